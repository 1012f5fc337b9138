/**
 * Feeds the sink from the playout. A paced sink (a sound card) is topped up to `sinkTargetMs` of
 * queued audio, so its own clock sets the pace; an unpaced sink (a file) is given audio at the
 * stream rate by the PC's clock, as a device would consume it. Either way, latency, drift and
 * underruns mean the same thing whatever the sink.
 *
 * When: on every packet arrival (`kick`), and otherwise from a fallback timer set to fire
 * before a paced sink runs low. While packets flow the timer never fires, so the process wakes
 * about once per packet instead of every few milliseconds — each wake-up of the event loop costs
 * far more CPU than the audio work done in it. The timer fires once the sink has played half of
 * `sinkTargetMs`, or earlier when `lowWaterMs` plus how late this machine's timers have lately
 * fired is more: after the phone's last packet the timer alone plays out the end of the stream,
 * and a stall of the event loop then must cost no audio that the sink's queue could cover.
 *
 * Drift is corrected by the playout's resampler, which works with every sink. With `sinkRate`,
 * a sink that can nudge its own clock (snd-aloop's "PCM Rate Shift 100000") follows the phone
 * instead, and the audio is not resampled at all.
 */
import type { AudioSink } from "../audio-sink.js";
import type { Clock } from "../clock.js";
import { framesIn, type PcmFormat } from "../format.js";
import type { Playout } from "./playout.js";
import type { SessionStats } from "./stats.js";

/** Timing of the feed. */
export interface PlayoutLoopOptions {
  /** Shortest wait of the fallback timer, in ms. */
  readonly tickMs: number;
  /** Audio kept queued in a paced sink, in ms: more than one packet's worth, as it is refilled per packet. */
  readonly sinkTargetMs: number;
  /** The fallback timer fires when a paced sink holds this much plus recent timer lateness (or half its target, if more), in ms. */
  readonly lowWaterMs?: number;
  /** The fallback timer's wait for an unpaced sink, in ms. */
  readonly idleTickMs?: number;
  /** Correct drift with the sink's own clock when it has a rate control, instead of resampling. */
  readonly sinkRate?: boolean;
}

export const defaultPlayoutLoop: PlayoutLoopOptions = { tickMs: 5, sinkTargetMs: 30, lowWaterMs: 8, idleTickMs: 20 };

/** Most audio written in one tick, so a stalled event loop catches up in bounded steps. */
const MAX_TICK_MS = 200;
/** Smallest change worth sending to a sink's rate control (snd-aloop's step is 1e-5). */
const RATE_STEP = 1e-5;
/** How much of the timer lateness seen so far is still counted after each on-time firing. */
const LATE_KEEP = 0.98;

/** The timer the loop sleeps on (tests pass a simulated one). */
export interface LoopTimer {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimer: LoopTimer = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class PlayoutLoop {
  private timer: unknown;
  /** When the fallback timer should fire, and how late timers have lately fired, ms. */
  private dueMs = 0;
  private lateMs = 0;
  private readonly scratch: Int16Array;
  private startMs = 0;
  private framesFed = 0;
  private sentRatio = 1;
  private begun = false;

  constructor(
    private readonly playout: Playout,
    private readonly sink: AudioSink,
    private readonly format: PcmFormat,
    private readonly clock: Clock,
    private readonly stats: SessionStats,
    private readonly options: PlayoutLoopOptions = defaultPlayoutLoop,
    private readonly timers: LoopTimer = realTimer,
  ) {
    this.scratch = new Int16Array(framesIn(MAX_TICK_MS, format.sampleRate) * format.channels);
  }

  private running = false;
  private paceAnchorMs = 0;
  private pacedFed = 0;
  private readonly onTimer = () => {
    this.lateMs = Math.max(this.clock.now() - this.dueMs, this.lateMs * LATE_KEEP);
    this.kick();
  };

  /** Starts feeding the sink. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.begin();
    this.kick();
  }

  /** Feeds the sink now and re-arms the fallback timer; call it when a packet arrives. */
  kick(): void {
    if (!this.running) return;
    this.tick();
    this.timers.clear(this.timer);
    const waitMs = this.fallbackMs();
    this.dueMs = this.clock.now() + waitMs;
    this.timer = this.timers.set(this.onTimer, waitMs);
  }

  /** How long until the sink needs feeding if no packet comes. */
  private fallbackMs(): number {
    const o = this.options;
    if (!this.sink.paced) return o.idleTickMs ?? 20;
    const held = this.sink.delayFrames();
    // Empty: just underran, or a device that does not hold audio (fed by the PC clock above).
    if (held === 0) return 2 * o.tickMs;
    const heldMs = (held * 1000) / this.format.sampleRate;
    const marginMs = Math.max(o.sinkTargetMs / 2, (o.lowWaterMs ?? 8) + Math.min(this.lateMs, o.sinkTargetMs));
    return Math.max(o.tickMs, Math.min(heldMs - marginMs, o.sinkTargetMs));
  }

  /** Feeds whatever the sink is due now (exposed for simulated-time tests: no `start` needed). */
  tick(): void {
    if (!this.begun) this.begin();
    const rate = this.format.sampleRate;
    const delay = this.sink.delayFrames();
    let want: number;
    if (this.sink.paced) {
      const target = framesIn(this.options.sinkTargetMs, rate);
      want = target - delay;
      // A "paced" device that holds nothing it is given (alsa-lib's file and null plugins) would
      // be fed without end: bound it by the PC clock until the device shows it holds audio.
      const now = this.clock.now();
      if (delay > 0) {
        this.paceAnchorMs = now;
        this.pacedFed = 0;
      }
      want = Math.min(want, Math.floor(((now - this.paceAnchorMs) * rate) / 1000) + 2 * target - this.pacedFed);
    } else {
      want = Math.floor(((this.clock.now() - this.startMs) * rate) / 1000) - this.framesFed;
    }
    want = Math.min(want, this.scratch.length / this.format.channels);
    if (want <= 0) return;
    // An unpaced sink is handed what the PC clock already consumed: due `want` frames ago.
    this.playout.pull(this.scratch, want, this.sink.paced ? delay : -want);
    const taken = this.sink.write(this.scratch.subarray(0, want * this.format.channels));
    this.framesFed += want;
    this.pacedFed += want;
    this.stats.sinkXruns = this.sink.xruns();
    if (taken < want) this.stats.overflowDrops++;
    if (this.playout.driftControl === "external") this.steerSink();
  }

  /** Stops feeding. */
  stop(): void {
    this.running = false;
    this.timers.clear(this.timer);
    this.timer = undefined;
    if (this.playout.driftControl === "external") this.sink.setRateRatio?.(1);
  }

  private begin(): void {
    this.begun = true;
    this.startMs = this.paceAnchorMs = this.clock.now();
    this.framesFed = this.pacedFed = 0;
    if (this.options.sinkRate && this.sink.setRateRatio?.(1)) {
      this.playout.driftControl = "external";
      this.sentRatio = 1;
    }
  }

  private steerSink(): void {
    const ratio = this.playout.driftRatio;
    if (Math.abs(ratio - this.sentRatio) < RATE_STEP) return;
    // The playout's ratio > 1 means "consume the stream faster"; a sink's ratio > 1 means slower.
    if (this.sink.setRateRatio?.(1 / ratio)) this.sentRatio = ratio;
    else this.playout.driftControl = "resample";
  }
}
