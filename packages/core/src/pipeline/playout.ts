/**
 * The receive side's audio path, without I/O: packets in (`receive`), exactly as many frames as
 * the sink asks for out (`pull`). Time comes from the injected clock only.
 *
 *   receive → JitterBuffer (reorder, dedupe, drop late) ─┐
 *   pull ← FrameFifo ← Resampler ← remix ← Decoder ←─────┘  (decode/conceal on demand)
 *
 * Policy:
 * - Start (and restart after an underrun) only once `targetMs` of audio is buffered.
 * - A packet missing when its turn comes, with a later one already here, is concealed (Opus PLC,
 *   or FEC from the next packet); one that arrives after its turn is dropped as late.
 * - After an underrun or gap, playback resumes at the oldest packet present: sequence numbers
 *   skipped meanwhile are not concealed, so a gap never turns into extra latency.
 * - Above `maxMs` buffered, the oldest audio is dropped (counted) down to the target.
 * - A sequence jump far back or ahead, or three consecutive "late" packets in a row, is a sender
 *   restart: the buffer and decoder start a new stream.
 */
import type { Clock } from "../clock.js";
import { createDecoder, MAX_PACKET_FRAMES, opusPacketFrames, opusWasm, type Decoder } from "../codec/index.js";
import { bytesPerSample, framesIn, sameStreamFormat, type PcmFormat, type StreamFormat } from "../format.js";
import { remix } from "../audio/pcm.js";
import { Resampler } from "../audio/resampler.js";
import type { EncodedPacket } from "../transport.js";
import { FrameFifo } from "./fifo.js";
import { JitterBuffer, type BufferedPacket } from "./jitter-buffer.js";
import type { SessionStats } from "./stats.js";

/** Tuning of the playout buffer. */
export interface PlayoutOptions {
  /** Audio buffered before playback starts or resumes, in ms. */
  readonly targetMs: number;
  /** Hard cap: above this, the oldest audio is dropped. */
  readonly maxMs: number;
  /** The sink's format: everything is converted to it. */
  readonly format: PcmFormat;
}

/** Default buffering: 40 ms target. */
export const defaultPlayout = { targetMs: 40, maxMs: defaultMaxMs(40) } as const;

/** The hard cap for a target when none is given: 10 % above it plus 60 ms of burst room. */
export function defaultMaxMs(targetMs: number): number {
  return Math.round(targetMs * 1.1 + 60);
}

const LATE_RUN_IS_RESTART = 3;

export class Playout {
  private readonly jitter = new JitterBuffer();
  private readonly fifo: FrameFifo;
  private state: "buffering" | "playing" | "draining" = "buffering";
  private decoder: Decoder | undefined;
  private resampler: Resampler | undefined;
  private streamRate = 48000;
  private decoded = new Int16Array(MAX_PACKET_FRAMES * 2);
  private mixed = new Int16Array(MAX_PACKET_FRAMES * 2);
  private converted = new Int16Array(MAX_PACKET_FRAMES * 4);
  private nextAutoSeq = 0;
  private lastPacketFrames = 0;
  private lateRun = 0;
  private lastLateSeq = -1;
  private driftRatio = 1;
  private sinkDelayMs = 0;
  private readonly recordLatency = (arrivalMs: number) => this.stats.latency.add(this.clock.now() - arrivalMs + this.sinkDelayMs);

  constructor(
    readonly options: PlayoutOptions,
    private readonly clock: Clock,
    private readonly stats: SessionStats,
  ) {
    const { sampleRate, channels } = options.format;
    this.fifo = new FrameFifo(channels, framesIn(options.maxMs + 200, sampleRate));
    stats.sampleRate = sampleRate;
    stats.channels = channels;
    opusWasm();
  }

  /** Audio waiting, in ms: decoded frames plus packets not yet decoded. */
  levelMs(): number {
    return (this.fifo.frames * 1000) / this.options.format.sampleRate + (this.jitter.bufferedFrames * 1000) / this.streamRate;
  }

  /** True while playing (not pre-buffering or idle). */
  get playing(): boolean {
    return this.state !== "buffering";
  }

  /** Speed factor applied by resampling (drift control): > 1 plays the stream faster. */
  setDriftRatio(ratio: number): void {
    this.driftRatio = ratio;
    if (this.resampler) this.resampler.ratio = ratio;
  }

  /** Takes one packet from the transport. */
  receive(packet: EncodedPacket): void {
    this.stats.packetsReceived++;
    const frames = packetFrames(packet);
    if (frames <= 0) {
      this.stats.malformed("empty or unreadable packet");
      return;
    }
    const seq = packet.seq ?? (this.nextAutoSeq = (this.nextAutoSeq + 1) & 0xffff);
    const sequenced = { ...packet, seq };
    let outcome = this.jitter.insert(sequenced, frames);
    if (outcome === "late" && this.isLateRun(seq)) outcome = "restart";
    if (outcome === "restart") {
      this.stats.streamRestarts++;
      this.newStream();
      outcome = this.jitter.insert(sequenced, frames);
    }
    if (outcome === "late") this.stats.packetsLate++;
    else if (outcome === "duplicate") this.stats.packetsDuplicate++;
    else this.lateRun = 0;
    if (this.state === "draining") this.state = "playing";
    this.capLevel();
  }

  /** The phone ended the stream: play out what is buffered, then idle without counting underruns. */
  endOfStream(): void {
    if (this.state === "buffering" && this.levelMs() === 0) return;
    this.state = "draining";
  }

  /** True when nothing is left to play. */
  get empty(): boolean {
    return this.fifo.frames === 0 && this.jitter.size === 0;
  }

  /**
   * Fills `out` with exactly `frames` frames in the sink's format: audio, concealment, or
   * silence. `sinkDelayFrames` is what the sink already holds, counted into latency.
   */
  pull(out: Int16Array, frames: number, sinkDelayFrames = 0): void {
    const rate = this.options.format.sampleRate;
    this.sinkDelayMs = (sinkDelayFrames * 1000) / rate;
    let done = 0;
    if (this.state === "buffering" && this.levelMs() >= this.options.targetMs) this.resume();
    while (this.state !== "buffering" && done < frames) {
      if (this.fifo.frames > 0) {
        done += this.fifo.pull(out, done, frames - done, this.recordLatency);
        continue;
      }
      const next = this.jitter.take();
      if (next === undefined) {
        if (this.state === "playing") this.stats.underruns++;
        this.state = "buffering";
        break;
      }
      if (next === "missing") this.conceal();
      else this.decode(next);
    }
    const ch = this.options.format.channels;
    out.fill(0, done * ch, frames * ch);
    this.stats.framesWritten += frames;
  }

  private resume(): void {
    // Skip sequence numbers that never came while we were starved: no concealment of a gap.
    let guard = this.jitter.capacity;
    while (this.jitter.size > 0 && !this.jitter.peekHead() && guard-- > 0) this.jitter.take();
    this.state = "playing";
  }

  private decode(packet: BufferedPacket): void {
    this.useFormat(packet.format);
    let frames = 0;
    try {
      frames = this.decoder!.decode(packet.payload.subarray(0, packet.length), this.decodedFor(packet.frames));
    } catch {
      this.stats.malformed("undecodable packet");
    }
    if (frames > 0) {
      this.lastPacketFrames = frames;
      this.convert(frames, packet.arrivalMs);
    }
    this.jitter.release(packet);
  }

  private conceal(): void {
    if (!this.decoder) return;
    this.stats.packetsLost++;
    this.stats.packetsConcealed++;
    const next = this.jitter.peekHead();
    const frames = this.lastPacketFrames || framesIn(20, this.streamRate);
    const fec = next && sameStreamFormat(next.format, this.decoder.format) ? next.payload.subarray(0, next.length) : undefined;
    const n = this.decoder.conceal(frames, this.decodedFor(frames), fec);
    this.convert(n);
  }

  private convert(frames: number, arrivalMs?: number): void {
    const sink = this.options.format;
    const from = this.decoder!.format;
    let samples = this.decoded;
    if (from.channels !== sink.channels) {
      if (this.mixed.length < frames * sink.channels) this.mixed = new Int16Array(frames * sink.channels * 2);
      remix(this.decoded, from.channels, this.mixed, sink.channels, frames);
      samples = this.mixed;
    }
    let outFrames = frames;
    if (this.resampler && !this.resampler.isIdentity) {
      const room = this.resampler.maxOutputFrames(frames) * sink.channels;
      if (this.converted.length < room) this.converted = new Int16Array(room * 2);
      outFrames = this.resampler.process(samples, frames, this.converted);
      samples = this.converted;
    }
    if (this.fifo.free < outFrames) this.dropOldest(outFrames - this.fifo.free);
    this.fifo.push(samples, outFrames, arrivalMs);
  }

  private useFormat(format: StreamFormat): void {
    if (this.decoder && sameStreamFormat(this.decoder.format, format)) return;
    this.decoder?.dispose();
    this.decoder = createDecoder(format);
    this.streamRate = format.sampleRate;
    this.resampler = new Resampler(this.options.format.channels, format.sampleRate, this.options.format.sampleRate);
    this.resampler.ratio = this.driftRatio;
  }

  private decodedFor(frames: number): Int16Array {
    const need = Math.max(frames, MAX_PACKET_FRAMES) * (this.decoder?.format.channels ?? 2);
    if (this.decoded.length < need) this.decoded = new Int16Array(need);
    return this.decoded;
  }

  private capLevel(): void {
    if (this.levelMs() <= this.options.maxMs) return;
    const excessMs = this.levelMs() - this.options.targetMs;
    const fromFifo = Math.min(this.fifo.frames, framesIn(excessMs, this.options.format.sampleRate));
    this.dropOldest(fromFifo);
    while (this.levelMs() > this.options.targetMs && this.jitter.size > 0) {
      const old = this.jitter.take();
      this.stats.overflowDrops++;
      if (old && old !== "missing") this.jitter.release(old);
    }
  }

  private dropOldest(frames: number): void {
    const dropped = this.fifo.drop(frames);
    const perPacket = this.lastPacketFrames || framesIn(20, this.options.format.sampleRate);
    if (dropped > 0) this.stats.overflowDrops += Math.ceil(dropped / perPacket);
  }

  private isLateRun(seq: number): boolean {
    this.lateRun = this.lastLateSeq === ((seq - 1) & 0xffff) ? this.lateRun + 1 : 1;
    this.lastLateSeq = seq;
    return this.lateRun >= LATE_RUN_IS_RESTART;
  }

  private newStream(): void {
    this.jitter.reset();
    this.decoder?.reset();
    this.resampler?.reset();
    this.lateRun = 0;
    this.lastLateSeq = -1;
  }

  /** Frees the decoder. */
  dispose(): void {
    this.decoder?.dispose();
    this.decoder = undefined;
  }
}

/** Frames a packet holds at its own rate, read from its bytes. */
function packetFrames(packet: EncodedPacket): number {
  const f = packet.format;
  if (f.codec === "opus") return opusPacketFrames(packet.payload, f.sampleRate);
  if (f.channels < 1) return 0;
  return Math.floor(packet.payload.length / (bytesPerSample[f.encoding ?? "s16"] * f.channels));
}
