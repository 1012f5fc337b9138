/**
 * The receive side's audio path, without I/O: packets in (`receive`), exactly as many frames as
 * the sink asks for out (`pull`). Time comes from the injected clock only.
 *
 *   receive → JitterBuffer (reorder, dedupe, drop late) ───────────────┐
 *   pull ← FrameFifo ← StreamDecoder (decode or conceal, remix, resample) ←┘  one packet at a time
 *                 └──── waits ──→ DriftRegulator ── speed ──→ resampler (or the sink's clock)
 *
 * The target (`targetMs`) is how long each packet waits before its first frame goes to the
 * sink: on a clean link the buffer adds exactly that, and a packet may arrive that late without
 * a gap. Buffered audio saw-tooths one packet above it (lowest just before a packet is due), so
 * the jitter absorbed is the target itself, not the target minus a packet.
 *
 * Policy:
 * - Start, and start again after an underrun, once the oldest packet has waited targetMs, or as
 *   soon as targetMs of audio sits ahead of the newest one (a burst). Sequence numbers skipped
 *   while starved are not concealed.
 * - While playing, the regulator holds the mean wait at targetMs (see drift-regulator.ts).
 * - A missing packet whose turn comes is concealed (Opus FEC from the next packet, else PLC, or a
 *   faded PCM repeat). On a link seen losing packets, so are up to 60 ms when nothing at all is
 *   buffered (consecutive losses with jitter): a concealment keeps the latency, a rebuffer would
 *   add silence and then latency. Otherwise an empty buffer is an underrun: silence, and
 *   pre-buffering again. A packet arriving after its turn is dropped as late.
 * - When the buffer stays dry longer than gapMs (phone locked, app paused), that is a
 *   discontinuity, not an underrun: the restart also drops the backlog that queued during the gap
 *   beyond one packet over the start level (staleDrops), so stale audio is neither replayed nor
 *   carried as latency.
 * - Above maxMs buffered, the oldest audio is dropped (overflowDrops) down to the start level.
 * - A sequence jump far back or ahead, a timestamp jump back, or three consecutive packets whose
 *   sequence numbers were already played is a sender restart: buffer and decoder start anew.
 */
import type { Clock } from "../clock.js";
import { opusPacketFrames, opusWasm } from "../codec/index.js";
import { bytesPerSample, framesIn, type PcmFormat } from "../format.js";
import type { EncodedPacket } from "../transport.js";
import { DriftRegulator } from "./drift-regulator.js";
import { FrameFifo } from "./fifo.js";
import { JitterBuffer } from "./jitter-buffer.js";
import type { SessionStats } from "./stats.js";
import { StreamDecoder } from "./stream-decoder.js";

/** Where drift correction goes: the resampler, someone reading `driftRatio` (a sink's clock), or nowhere. */
export type DriftControl = "resample" | "external" | "off";

/** Tuning of the playout buffer. */
export interface PlayoutOptions {
  /** How long each packet waits before it plays, ms: the latency added and the lateness absorbed. */
  readonly targetMs: number;
  /** Hard cap, ms: above this much audio buffered, the oldest is dropped. */
  readonly maxMs: number;
  /** The sink's format: everything is converted to it. */
  readonly format: PcmFormat;
  /** Where drift correction goes (default "resample"). */
  readonly driftControl?: DriftControl;
  /** A dry spell longer than this, ms, is a discontinuity rather than an underrun (default 100). */
  readonly gapMs?: number;
}

/** Default buffering: 40 ms target. */
export const defaultPlayout = { targetMs: 40, maxMs: defaultMaxMs(40) } as const;

/** The hard cap for a target when none is given: 10 % above it plus 60 ms of burst room. */
export function defaultMaxMs(targetMs: number): number {
  return Math.round(targetMs * 1.1 + 60);
}

const REPLAY_RUN_IS_RESTART = 3;
/** A timestamp this far behind the newest one is a sender restart, ms. */
const RESTART_TS_BACK_MS = 1000;
/**
 * Concealment that bridges an empty buffer before it counts as an underrun, ms. Opus PLC fades
 * out over about this long; up to then, concealing keeps the timeline (and so the latency),
 * where a rebuffer would add silence and then latency.
 */
const BRIDGE_MS = 60;
/**
 * Bridging is for links seen losing packets this recently, ms. Elsewhere an empty buffer means a
 * late packet or the end of the stream, and concealment would drop real audio or invent a tail.
 */
const LOSSY_FOR_MS = 10_000;

export class Playout {
  /** Where drift correction goes now; a loop steering the sink's clock sets "external". */
  driftControl: DriftControl;
  private readonly jitter = new JitterBuffer();
  private readonly fifo: FrameFifo;
  private readonly decoder: StreamDecoder;
  private readonly regulator: DriftRegulator;
  private readonly gapMs: number;
  private state: "buffering" | "playing" | "draining" = "buffering";
  /** Rate and duration of the newest packet: the unit of holes and of the start level. */
  private streamRate = 48000;
  private packetMs = 20;
  /** Arrival of the oldest packet waiting for playback to start, and of the newest. */
  private bufferingSinceMs: number | undefined;
  private newestArrivalMs = 0;
  /** When the buffer ran dry, until audio returns. */
  private starvedAtMs: number | undefined;
  /** Audio returned after a discontinuity: the start drops the backlog of the gap. */
  private resync = false;
  private bridgedMs = 0;
  /** Packets concealed while nothing was buffered, not yet known to be lost. */
  private bridged = 0;
  /** Until when the link counts as lossy (it lost or delayed a sequenced packet). */
  private lossyUntilMs = -Infinity;
  private sequenced = false;
  private nextAutoSeq = 0;
  private replayRun = 0;
  private lastReplaySeq = -1;
  private newestTsMs: number | undefined;
  private nowMs = 0;
  /** When the first frame of this pull is due, and how much the sink holds ahead of it, ms. */
  private pullDueMs = 0;
  private sinkQueueMs = 0;
  /** A packet's first frame went to the sink at frame `atFrame` of this pull: how long it waited. */
  private readonly firstFrameOut = (arrivalMs: number, atFrame: number) => {
    const atMs = this.pullDueMs + (atFrame * 1000) / this.options.format.sampleRate;
    const waitMs = atMs - arrivalMs;
    this.regulator.sample(waitMs, atMs);
    this.stats.latency.add(waitMs + this.sinkQueueMs);
  };

  constructor(
    readonly options: PlayoutOptions,
    private readonly clock: Clock,
    private readonly stats: SessionStats,
  ) {
    const { sampleRate, channels } = options.format;
    // Decoding is on demand, so the FIFO holds about one packet; room for the largest PCM block.
    this.fifo = new FrameFifo(channels, framesIn(Math.max(options.maxMs, 1000) + 200, sampleRate));
    this.decoder = new StreamDecoder(options.format, this.fifo, stats);
    this.regulator = new DriftRegulator(options.targetMs);
    this.driftControl = options.driftControl ?? "resample";
    this.gapMs = options.gapMs ?? 100;
    stats.sampleRate = sampleRate;
    stats.channels = channels;
    opusWasm();
  }

  /** Audio waiting, in ms: decoded frames, packets not yet decoded, and holes to conceal. */
  levelMs(): number {
    const holesMs = this.state === "buffering" ? 0 : this.jitter.holes * this.packetMs;
    return (this.fifo.frames * 1000) / this.options.format.sampleRate + (this.jitter.bufferedFrames * 1000) / this.streamRate + holesMs;
  }

  /** True while playing (not pre-buffering or idle). */
  get playing(): boolean {
    return this.state !== "buffering";
  }

  /** The regulator's speed for the stream: > 1 plays it faster. Applied per `driftControl`. */
  get driftRatio(): number {
    return this.regulator.ratio;
  }

  /** Sets the resampler's speed by hand (> 1 plays faster); the regulator overrides it under "resample". */
  setDriftRatio(ratio: number): void {
    this.decoder.setRatio(ratio);
  }

  /** Takes one packet from the transport. */
  receive(packet: EncodedPacket): void {
    this.stats.packetsReceived++;
    const frames = packetFrames(packet);
    if (frames <= 0) {
      this.stats.malformed("empty or unreadable packet");
      return;
    }
    this.sequenced = packet.seq !== undefined;
    const seq = (packet.seq ?? (this.nextAutoSeq = (this.nextAutoSeq + 1) & 0xffff)) & 0xffff;
    const ts = packet.timestampMs;
    if (ts !== undefined && this.newestTsMs !== undefined && ts < this.newestTsMs - RESTART_TS_BACK_MS) this.restart();
    let outcome = this.jitter.insert(packet, frames, seq);
    if (outcome === "replay" && this.isReplayRun(seq)) outcome = "restart";
    if (outcome === "restart") {
      this.restart();
      outcome = this.jitter.insert(packet, frames, seq);
    }
    if (outcome === "duplicate" || outcome === "replay") return void this.stats.packetsDuplicate++;
    this.countBridged();
    if (outcome === "late") {
      this.stats.packetsLate++;
      this.lossyUntilMs = packet.arrivalMs + LOSSY_FOR_MS;
    } else this.stored(packet, frames);
  }

  /** The phone ended the stream: play out what is buffered, then idle without counting underruns. */
  endOfStream(): void {
    this.starvedAtMs = undefined;
    this.bridged = 0;
    if (this.state === "buffering" && this.jitter.size === 0) this.endStream();
    else this.state = "draining";
  }

  /** True when nothing is left to play. */
  get empty(): boolean {
    return this.fifo.frames === 0 && this.jitter.size === 0;
  }

  /**
   * Fills `out` with exactly `frames` frames in the sink's format: audio, concealment, or
   * silence. `sinkDelayFrames` says when they will be heard: a positive count is what the sink
   * already holds ahead of them (counted into latency); a negative one means they were due that
   * long ago (a sink paced by the PC clock asks for what the last tick consumed: −frames).
   */
  pull(out: Int16Array, frames: number, sinkDelayFrames = 0): void {
    const rate = this.options.format.sampleRate;
    this.nowMs = this.clock.now();
    const sinkDelayMs = (sinkDelayFrames * 1000) / rate;
    this.pullDueMs = this.nowMs + Math.min(0, sinkDelayMs);
    this.sinkQueueMs = Math.max(0, sinkDelayMs);
    const ch = this.options.format.channels;
    let done = 0;
    if (this.state === "buffering") {
      const at = this.startFrame(frames);
      if (at >= 0) {
        out.fill(0, 0, at * ch);
        done = at;
        this.start();
      }
    }
    while (this.state !== "buffering" && done < frames) {
      if (this.fifo.frames > 0) done += this.fifo.pull(out, done, frames - done, this.firstFrameOut);
      else this.refill();
    }
    out.fill(0, done * ch, frames * ch);
    this.stats.framesWritten += frames;
    if (this.state !== "buffering" && this.driftControl !== "off") this.regulate();
  }

  /** Frees the decoder. */
  dispose(): void {
    this.decoder.dispose();
  }

  private stored(packet: EncodedPacket, frames: number): void {
    this.replayRun = 0;
    this.streamRate = packet.format.sampleRate;
    this.packetMs = (frames * 1000) / this.streamRate;
    this.newestArrivalMs = packet.arrivalMs;
    const ts = packet.timestampMs;
    if (ts !== undefined && (this.newestTsMs === undefined || ts > this.newestTsMs)) this.newestTsMs = ts;
    if (this.starvedAtMs !== undefined) {
      this.resync = packet.arrivalMs - this.starvedAtMs > this.gapMs;
      if (this.resync) this.stats.discontinuities++;
      else this.stats.underruns++;
      this.starvedAtMs = undefined;
    }
    if (this.state === "buffering") this.bufferingSinceMs ??= packet.arrivalMs;
    else if (this.state === "draining") this.state = "playing";
    const levelMs = this.levelMs();
    if (levelMs > this.options.maxMs) {
      // Above the cap: while playing that is an overflow; while waiting to play, a stale backlog.
      const dropped = this.dropOldest();
      if (this.state === "buffering") this.stats.staleDrops += dropped;
      else {
        this.stats.overflowDrops += dropped;
        this.regulator.shift(this.levelMs() - levelMs);
      }
    }
  }

  /** Decodes or conceals the next packet into the FIFO, or stops playing when there is none. */
  private refill(): void {
    const next = this.jitter.take();
    if (next === "missing") return this.conceal();
    if (next) {
      this.decoder.decode(next);
      this.jitter.release(next);
      this.bridgedMs = 0;
      return;
    }
    if (this.state === "draining") return this.endStream();
    if (this.nowMs < this.lossyUntilMs && this.decoder.ready && this.bridgedMs < BRIDGE_MS) {
      // Counted as lost once the stream goes on; if it ended instead, this was its fade-out.
      this.jitter.skip();
      this.bridgedMs += this.packetMs;
      this.bridged++;
      this.decoder.conceal(undefined);
      return;
    }
    this.state = "buffering";
    this.starvedAtMs = this.nowMs;
    this.bufferingSinceMs = undefined;
    this.regulator.pause();
  }

  /** The stream went on after concealment bridged an empty buffer: those packets were lost. */
  private countBridged(): void {
    this.stats.packetsLost += this.bridged;
    this.stats.packetsConcealed += this.bridged;
    this.bridged = 0;
  }

  private conceal(): void {
    this.stats.packetsLost++;
    // Only a transport that numbers its packets can lose one (TCP delivers all, in order).
    if (this.sequenced) this.lossyUntilMs = this.nowMs + LOSSY_FOR_MS;
    if (!this.decoder.ready) return;
    this.stats.packetsConcealed++;
    this.decoder.conceal(this.jitter.peekHead());
  }

  /**
   * The frame of this pull where playback starts, or -1: when the oldest packet will have waited
   * the target, or sooner if a burst already puts the target ahead of the newest one. Exact to
   * the frame, so the first wait is the target however coarse the pulls.
   */
  private startFrame(frames: number): number {
    if (this.jitter.size === 0 || this.bufferingSinceMs === undefined) return -1;
    const { targetMs, format } = this.options;
    const aheadOfNewestMs = this.levelMs() - this.packetMs;
    const startMs = Math.min(this.bufferingSinceMs, this.newestArrivalMs - aheadOfNewestMs) + targetMs;
    const at = Math.ceil(((startMs - this.pullDueMs) * format.sampleRate) / 1000);
    return at < frames ? Math.max(0, at) : -1;
  }

  private start(): void {
    // Sequence numbers skipped while starved are not concealed: a gap never turns into latency.
    while (this.jitter.size > 0 && !this.jitter.peekHead()) this.jitter.take();
    this.state = "playing";
    // After a discontinuity, a backlog more than a packet above the start level queued during the
    // gap: stale. After a short underrun it is only late, and the regulator drains it.
    if (this.resync && this.levelMs() > this.options.targetMs + 2 * this.packetMs) this.stats.staleDrops += this.dropOldest();
    this.resync = false;
    this.bufferingSinceMs = undefined;
    this.bridgedMs = 0;
    this.regulator.start(this.nowMs);
  }

  /** Drops the oldest audio until one more packet would leave less than the start level; returns packets dropped. */
  private dropOldest(): number {
    const keepMs = this.options.targetMs + this.packetMs;
    let dropped = 0;
    const fifoMs = (this.fifo.frames * 1000) / this.options.format.sampleRate;
    if (fifoMs > 0 && this.levelMs() - fifoMs >= keepMs) {
      this.fifo.clear();
      dropped++;
    }
    while (this.jitter.size > 0) {
      const head = this.jitter.peekHead();
      const headMs = head ? (head.frames * 1000) / head.format.sampleRate : this.packetMs;
      if (this.levelMs() - headMs < keepMs) break;
      const old = this.jitter.take();
      if (old && old !== "missing") {
        this.jitter.release(old);
        dropped++;
      }
    }
    return dropped;
  }

  private regulate(): void {
    this.regulator.tick(this.nowMs);
    if (this.driftControl === "resample") this.decoder.setRatio(this.regulator.ratio);
    this.stats.driftPpm = this.regulator.driftPpm;
  }

  /** Copies of played packets come alone; consecutive ones are a sender that started over. */
  private isReplayRun(seq: number): boolean {
    this.replayRun = this.lastReplaySeq === ((seq - 1) & 0xffff) ? this.replayRun + 1 : 1;
    this.lastReplaySeq = seq;
    return this.replayRun >= REPLAY_RUN_IS_RESTART;
  }

  private restart(): void {
    this.stats.streamRestarts++;
    this.fifo.clear();
    this.endStream();
  }

  /** Forgets the stream (its end, or a sender restart): the next packet starts a new one. */
  private endStream(): void {
    this.bridged = 0;
    this.resync = false;
    this.jitter.reset();
    this.decoder.reset();
    this.state = "buffering";
    this.bufferingSinceMs = undefined;
    this.bridgedMs = 0;
    this.replayRun = 0;
    this.lastReplaySeq = -1;
    this.newestTsMs = undefined;
    this.regulator.pause();
  }
}

/** Frames a packet holds at its own rate, read from its bytes. */
function packetFrames(packet: EncodedPacket): number {
  const f = packet.format;
  if (f.codec === "opus") return opusPacketFrames(packet.payload, f.sampleRate);
  if (f.channels < 1) return 0;
  return Math.floor(packet.payload.length / (bytesPerSample[f.encoding ?? "s16"] * f.channels));
}
