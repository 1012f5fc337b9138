/**
 * Feeds the sink from the playout on a timer. A paced sink (a sound card) is topped up to
 * `sinkTargetMs` of queued audio, so its own clock sets the pace; an unpaced sink (a file) is
 * given audio at the stream rate by the PC's clock, as a device would consume it. Either way,
 * latency, drift and underruns mean the same thing whatever the sink.
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
  /** How often the sink is fed, in ms. */
  readonly tickMs: number;
  /** Audio kept queued in a paced sink, in ms. */
  readonly sinkTargetMs: number;
  /** Correct drift with the sink's own clock when it has a rate control, instead of resampling. */
  readonly sinkRate?: boolean;
}

export const defaultPlayoutLoop: PlayoutLoopOptions = { tickMs: 5, sinkTargetMs: 20 };

/** Most audio written in one tick, so a stalled event loop catches up in bounded steps. */
const MAX_TICK_MS = 200;
/** Smallest change worth sending to a sink's rate control (snd-aloop's step is 1e-5). */
const RATE_STEP = 1e-5;

export class PlayoutLoop {
  private timer: NodeJS.Timeout | undefined;
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
  ) {
    this.scratch = new Int16Array(framesIn(MAX_TICK_MS, format.sampleRate) * format.channels);
  }

  /** Starts feeding the sink. */
  start(): void {
    if (this.timer) return;
    this.begin();
    this.timer = setInterval(() => this.tick(), this.options.tickMs);
  }

  /** Feeds whatever the sink is due now (exposed for simulated-time tests: no `start` needed). */
  tick(): void {
    if (!this.begun) this.begin();
    const rate = this.format.sampleRate;
    const delay = this.sink.delayFrames();
    let want: number;
    if (this.sink.paced) {
      want = framesIn(this.options.sinkTargetMs, rate) - delay;
    } else {
      want = Math.floor(((this.clock.now() - this.startMs) * rate) / 1000) - this.framesFed;
    }
    want = Math.min(want, this.scratch.length / this.format.channels);
    if (want <= 0) return;
    // An unpaced sink is handed what the PC clock already consumed: due `want` frames ago.
    this.playout.pull(this.scratch, want, this.sink.paced ? delay : -want);
    const taken = this.sink.write(this.scratch.subarray(0, want * this.format.channels));
    this.framesFed += want;
    this.stats.sinkXruns = this.sink.xruns();
    if (taken < want) this.stats.overflowDrops++;
    if (this.playout.driftControl === "external") this.steerSink();
  }

  /** Stops feeding. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.playout.driftControl === "external") this.sink.setRateRatio?.(1);
  }

  private begin(): void {
    this.begun = true;
    this.startMs = this.clock.now();
    this.framesFed = 0;
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
