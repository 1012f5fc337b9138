import type { PcmFormat } from "./format.js";

/** What a sink actually opened. */
export interface SinkInfo {
  /** The format the sink plays; the pipeline converts to it. */
  readonly format: PcmFormat;
  /** Where the audio goes, for the user, e.g. "record from hw:Loopback,1,0". */
  readonly where: string;
}

/**
 * Where decoded audio goes: a sound device, a file, nowhere.
 * `write` never blocks; a paced sink (a sound card) consumes at its own clock, an unpaced one
 * (a file) takes whatever it is given and the pipeline paces it by the PC's clock.
 */
export interface AudioSink {
  /** What the sink writes to, for messages. */
  readonly description: string;
  /** True when the sink consumes audio at its own pace (a sound card). */
  readonly paced: boolean;
  /** Opens the sink, preferring `format`; resolves with the format it really plays. */
  open(format: PcmFormat, signal: AbortSignal): Promise<SinkInfo>;
  /** Queues interleaved frames; returns how many frames it took (fewer when its queue is full). */
  write(frames: Int16Array): number;
  /** Frames written but not yet heard: its queue plus the device's own delay. */
  delayFrames(): number;
  /** Underruns the device itself reported since open. */
  xruns(): number;
  /**
   * Optional: stretches the device's clock by `ratio` (1 = nominal) for drift control: > 1 makes
   * it consume more slowly (snd-aloop: "PCM Rate Shift 100000" = round(ratio × 100000), where a
   * larger value runs the loopback slower). False when the device cannot.
   */
  setRateRatio?(ratio: number): boolean;
  /** Plays out what is queued, then closes. Safe to call twice. */
  close(): Promise<void>;
}
export const AudioSink = Symbol.for("phonemic.AudioSink");
