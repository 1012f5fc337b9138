/**
 * The receive side's audio path, without I/O: packets in (`receive`), exactly as many frames as
 * the sink asks for out (`pull`). Time comes from the injected clock only.
 *
 *   receive → SenderWatch (numbering, restarts) → Backlog: JitterBuffer (reorder, dedupe, late) ─┐
 *   pull ← Backlog: FrameFifo ← StreamDecoder (decode or conceal, remix, resample) ←───────────┘
 *                        └─ waits ─→ DriftRegulator ─ speed ─→ resampler (or the sink's clock)
 *
 * The target (`targetMs`) is how long each packet waits before its first frame is due at the
 * sink: on a clean link the buffer adds exactly that, and a packet may arrive that late (less at
 * most one pull step) without a gap. Buffered audio saw-tooths one packet above it (lowest just
 * before a packet is due), so the jitter absorbed is the target, not the target minus a packet.
 *
 * Policy:
 * - Start, and start again after an underrun, once the oldest packet has waited targetMs, or as
 *   soon as targetMs of audio sits ahead of the newest one (a burst). Sequence numbers skipped
 *   while starved are not concealed.
 * - While playing, the regulator holds the mean wait at targetMs (see drift-regulator.ts).
 * - A missing packet whose turn comes is concealed (Opus FEC from the next packet, else PLC, or a
 *   faded PCM repeat). On a link that numbers its packets (UDP), so are up to 100 ms when nothing
 *   at all is buffered (a burst of losses, or packets delayed past the target): a concealment
 *   keeps the latency, a rebuffer would add silence and then latency. Beyond that, or on a link
 *   that loses nothing (TCP), an empty buffer is an underrun: silence, and pre-buffering again.
 *   A packet arriving after its turn is dropped as late.
 * - When the buffer stays dry longer than gapMs (phone locked, app paused), that is a
 *   discontinuity, not an underrun: the restart also drops the backlog that queued during the gap
 *   beyond one packet over the start level (staleDrops), so stale audio is neither replayed nor
 *   carried as latency. The sequence numbers concealment bridged into the gap were paused, not
 *   lost: they are neither counted as lost nor make the packets that bear them late.
 * - Above maxMs buffered, the oldest audio is dropped (overflowDrops) down to the start level.
 * - A sequence jump far back or ahead, a timestamp jump back, or three consecutive packets whose
 *   sequence numbers were already played is a sender restart: buffer and decoder start anew.
 */
import type { Clock } from "../clock.js";
import { Backlog } from "./backlog.js";
import type { EncodedPacket } from "../transport.js";
import { DriftRegulator } from "./drift-regulator.js";
import type { JitterBuffer } from "./jitter-buffer.js";
import type { DriftControl, PlayoutOptions } from "./playout-options.js";
import { SenderWatch } from "./sender-watch.js";
import type { SessionStats } from "./stats.js";
import { packetFrames, StreamDecoder, warmUp } from "./stream-decoder.js";

export { defaultMaxMs, defaultPlayout, type DriftControl, type PlayoutOptions } from "./playout-options.js";

/**
 * Concealment that bridges an empty buffer on a numbered link before it counts as an underrun, ms.
 * Opus PLC fades out over about this long; up to then, concealing keeps the timeline (and so the
 * latency), where a rebuffer would add silence and then latency.
 */
const BRIDGE_MS = 100;

export class Playout {
  /** Where drift correction goes now; a loop steering the sink's clock sets "external". */
  driftControl: DriftControl;
  private readonly backlog: Backlog;
  private readonly jitter: JitterBuffer;
  private readonly decoder: StreamDecoder;
  private readonly regulator: DriftRegulator;
  private readonly gapMs: number;
  private state: "buffering" | "playing" | "draining" = "buffering";
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
  private readonly sender = new SenderWatch();
  private nowMs = 0;
  /** When the first frame of this pull is due, and how much the sink holds ahead of it, ms. */
  private pullDueMs = 0;
  private sinkQueueMs = 0;
  /** A packet's first frame left at frame `atFrame` of this pull: how long it waited. */
  private readonly firstFrameOut = (arrivalMs: number, atFrame: number) => {
    const atMs = this.pullDueMs + (atFrame * 1000) / this.options.format.sampleRate;
    const waitMs = atMs - arrivalMs;
    this.regulator.sample(waitMs, atMs, this.sinkQueueMs);
    this.stats.latency.add(waitMs + this.sinkQueueMs);
  };

  constructor(
    readonly options: PlayoutOptions,
    private readonly clock: Clock,
    private readonly stats: SessionStats,
  ) {
    const { sampleRate, channels } = options.format;
    this.backlog = new Backlog(options.format, options.maxMs);
    this.jitter = this.backlog.jitter;
    this.decoder = new StreamDecoder(options.format, this.backlog.fifo, stats);
    this.regulator = new DriftRegulator(options.targetMs);
    this.driftControl = options.driftControl ?? "resample";
    this.gapMs = options.gapMs ?? 100;
    stats.sampleRate = sampleRate;
    stats.channels = channels;
    warmUp(options.format);
  }

  /** Audio waiting, in ms: decoded frames, packets not yet decoded, and holes to conceal. */
  levelMs(): number {
    return this.backlog.levelMs(this.state !== "buffering");
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
    const seq = this.sender.seqOf(packet);
    if (this.sender.timestampWentBack(packet)) this.restart();
    if (this.bridged > 0 && this.starvedAtMs !== undefined && packet.arrivalMs - this.starvedAtMs > this.gapMs) {
      // The stream paused rather than lost packets: the numbers bridged into the pause were never
      // sent, and a phone that numbers on from where it stopped sends them now.
      this.jitter.unskip(this.bridged);
      this.bridged = 0;
    }
    let outcome = this.jitter.insert(packet, frames, seq);
    if (outcome === "replay" && this.sender.replayed(seq)) outcome = "restart";
    if (outcome === "restart") {
      this.restart();
      outcome = this.jitter.insert(packet, frames, seq);
    }
    if (outcome === "duplicate" || outcome === "replay") return void this.stats.packetsDuplicate++;
    this.countBridged();
    if (outcome === "late") {
      this.stats.packetsLate++;
      this.sender.lost(packet.arrivalMs);
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
    return this.backlog.empty;
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
      const fifo = this.backlog.fifo;
      if (fifo.frames > 0) done += fifo.pull(out, done, frames - done, this.firstFrameOut);
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
    this.sender.stored(packet);
    this.backlog.stored(frames, packet.format.sampleRate);
    this.newestArrivalMs = packet.arrivalMs;
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
    if (this.sender.sequenced && this.decoder.ready && this.bridgedMs < BRIDGE_MS) {
      // Counted as lost once the stream goes on; if it ended instead, this was its fade-out.
      this.jitter.skip();
      this.bridgedMs += this.backlog.packetMs;
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
    this.sender.lost(this.nowMs);
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
    const aheadOfNewestMs = this.levelMs() - this.backlog.packetMs;
    const startMs = Math.min(this.bufferingSinceMs, this.newestArrivalMs - aheadOfNewestMs) + targetMs;
    const at = Math.ceil(((startMs - this.pullDueMs) * format.sampleRate) / 1000);
    return at < frames ? Math.max(0, at) : -1;
  }

  private start(): void {
    // Sequence numbers skipped while starved are not concealed: a gap never turns into latency.
    this.backlog.skipMissingHead();
    this.state = "playing";
    // After a discontinuity, a backlog more than a packet above the start level queued during the
    // gap: stale. After a short underrun it is only late, and the regulator drains it.
    if (this.resync && this.levelMs() > this.startLevelMs() + this.backlog.packetMs) this.stats.staleDrops += this.dropOldest();
    this.resync = false;
    this.bufferingSinceMs = undefined;
    this.bridgedMs = 0;
    this.regulator.start(this.nowMs);
  }

  /** Audio held when playback starts: the target ahead of the newest packet, plus that packet. */
  private startLevelMs(): number {
    return this.options.targetMs + this.backlog.packetMs;
  }

  /** Drops the oldest audio down to the start level; returns packets dropped. */
  private dropOldest(): number {
    return this.backlog.dropOldest(this.startLevelMs());
  }

  private regulate(): void {
    this.regulator.tick(this.nowMs);
    if (this.driftControl === "resample") this.decoder.setRatio(this.regulator.ratio);
    this.stats.driftPpm = this.regulator.driftPpm;
  }

  private restart(): void {
    this.stats.streamRestarts++;
    this.backlog.fifo.clear();
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
    this.sender.reset();
    this.regulator.pause();
  }
}
