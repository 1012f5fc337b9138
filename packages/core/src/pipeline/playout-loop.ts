/**
 * Feeds the sink from the playout on a timer. A paced sink (a sound card) is topped up to
 * `sinkTargetMs` of queued audio, so its own clock sets the pace; an unpaced sink (a file) is
 * given audio at the stream rate by the PC's clock, as a device would consume it. Either way,
 * latency, drift and underruns mean the same thing whatever the sink.
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
}

export const defaultPlayoutLoop: PlayoutLoopOptions = { tickMs: 5, sinkTargetMs: 20 };

/** Most audio written in one tick, so a stalled event loop catches up in bounded steps. */
const MAX_TICK_MS = 200;

export class PlayoutLoop {
  private timer: NodeJS.Timeout | undefined;
  private readonly scratch: Int16Array;
  private startMs = 0;
  private framesFed = 0;

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
    this.startMs = this.clock.now();
    this.framesFed = 0;
    this.timer = setInterval(() => this.tick(), this.options.tickMs);
  }

  /** Feeds whatever the sink is due now (exposed for simulated-time tests). */
  tick(): void {
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
    this.playout.pull(this.scratch, want, delay);
    const taken = this.sink.write(this.scratch.subarray(0, want * this.format.channels));
    this.framesFed += want;
    this.stats.sinkXruns = this.sink.xruns();
    if (taken < want) this.stats.overflowDrops++;
  }

  /** Stops feeding. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
