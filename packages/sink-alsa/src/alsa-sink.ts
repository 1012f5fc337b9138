/**
 * Plays the phone's audio into ALSA, by default into the snd-aloop loopback card so that
 * other programs can record it as a microphone.
 *
 *   write() ──copy──▶ ring (native, ~500 ms) ──writer thread──▶ snd_pcm_writei ──▶ device
 *
 * write() never blocks; the device paces the writer thread. delayFrames() counts both the
 * ring and the device's own queue, which is what the pipeline's drift control steers.
 */
import {
  ErrorName,
  PhonemicError,
  framesIn,
  throwIfAborted,
  type AudioSink,
  type Logger,
  type PcmFormat,
  type SinkInfo,
} from "@phonemic/core";
import { formatRefused, setupFailed, writeFailed } from "./device-errors.js";
import { isAlsaFailure, loadBinding, type AlsaBinding } from "./native.js";
import { openFreeLoopback, openNamed, type Opened } from "./open-device.js";
import { chooseFormat } from "./negotiate.js";
import { defaultBufferMs } from "./options.js";

/** Options of an AlsaSink; the same as the config's, with defaults applied when missing. */
export interface AlsaSinkOptions {
  /** ALSA PCM name; default: the first free playback subdevice of the Loopback card. */
  readonly device?: string;
  /** Device period in ms (default 10). */
  readonly periodMs?: number;
  /** Device buffer in ms (default 40, or four periods if more). */
  readonly bufferMs?: number;
}

/** What an AlsaSink uses. `binding` replaces the native addon (tests). */
export interface AlsaSinkDeps {
  readonly logger: Logger;
  readonly binding?: AlsaBinding;
}

/** Room in the ring for a burst after a network stall; the pipeline, not the ring, sets latency. */
const ringMs = 500;

/** snd-aloop clamps "PCM Rate Shift 100000" to this range; so do we, to report honestly. */
const rateShiftMin = 80000;
const rateShiftMax = 120000;

export class AlsaSink implements AudioSink {
  readonly paced = true;
  readonly description: string;
  private readonly periodMs: number;
  private readonly bufferMs: number;
  private opened?: Opened;
  private closing?: Promise<void>;

  constructor(
    private readonly options: AlsaSinkOptions,
    private readonly deps: AlsaSinkDeps,
  ) {
    this.periodMs = options.periodMs ?? 10;
    this.bufferMs = options.bufferMs ?? defaultBufferMs(this.periodMs);
    this.description = `ALSA ${options.device ?? "loopback"}`;
  }

  async open(format: PcmFormat, signal: AbortSignal): Promise<SinkInfo> {
    throwIfAborted(signal);
    if (this.opened) throw new PhonemicError(ErrorName.Device, `${this.description} is already open`);
    const binding = this.deps.binding ?? loadBinding();
    const opened = this.options.device ? openNamed(binding, this.options.device) : openFreeLoopback(binding);
    try {
      throwIfAborted(signal);
      const info = this.configure(opened, format);
      this.opened = opened;
      this.closing = undefined;
      return info;
    } catch (err) {
      await opened.pcm.close();
      throw err;
    }
  }

  write(frames: Int16Array): number {
    const opened = this.opened;
    if (!opened) return 0;
    const accepted = opened.pcm.write(frames);
    if (accepted === 0 && frames.length > 0) {
      const failure = opened.pcm.failure();
      if (failure) throw writeFailed(opened.name, failure);
    }
    return accepted;
  }

  delayFrames(): number {
    return this.opened?.pcm.delayFrames() ?? 0;
  }

  xruns(): number {
    return this.opened?.pcm.xruns() ?? 0;
  }

  /**
   * Writes round(ratio × 100000) to snd-aloop's "PCM Rate Shift 100000" control (clamped to
   * the control's 80000–120000). In snd-aloop a larger value stretches the loopback's period,
   * so ratio > 1 makes the device consume more slowly. False when the device has no such control.
   */
  setRateRatio(ratio: number): boolean {
    if (!this.opened || !Number.isFinite(ratio) || ratio <= 0) return false;
    const value = Math.min(rateShiftMax, Math.max(rateShiftMin, Math.round(ratio * 100000)));
    return this.opened.pcm.setRateShift(value);
  }

  close(): Promise<void> {
    if (!this.closing) {
      const opened = this.opened;
      this.opened = undefined;
      this.closing = opened ? opened.pcm.close() : Promise.resolve();
    }
    return this.closing;
  }

  private configure(opened: Opened, wanted: PcmFormat): SinkInfo {
    const { pcm, name, capture } = opened;
    const caps = pcm.caps();
    const choice = chooseFormat(wanted, caps);
    if (!choice.ok) throw formatRefused(name, wanted, caps, choice.reason, capture);
    let applied;
    try {
      const { sampleRate, channels } = choice.format;
      const ringFrames = framesIn(ringMs, sampleRate);
      applied = pcm.configure(sampleRate, channels, this.periodMs * 1000, this.bufferMs * 1000, ringFrames);
    } catch (err) {
      throw isAlsaFailure(err) ? setupFailed(name, err) : err;
    }
    const format: PcmFormat = { sampleRate: applied.rate, channels: applied.channels };
    const { logger } = this.deps;
    if (format.sampleRate !== wanted.sampleRate || format.channels !== wanted.channels) {
      logger.info(
        `${name} plays ${format.sampleRate} Hz, ${format.channels} ch rather than ${wanted.sampleRate} Hz, ${wanted.channels} ch; phonemic converts`,
      );
    }
    logger.debug(`${name}: period ${applied.periodFrames} frames, buffer ${applied.bufferFrames} frames`);
    const where = capture ? `${name}; record from ${capture}` : name; // "audio goes to …"
    logger.info(capture ? `playing into ${name}; other programs can record the phone from ${capture}` : `playing to ${name}`);
    return { format, where };
  }
}
