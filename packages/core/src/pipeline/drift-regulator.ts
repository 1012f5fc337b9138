/**
 * Clock-drift regulator: keeps the time packets wait in the playout at its target by playing
 * the stream a little faster or slower, and measures the sender's clock against the sink's.
 *
 * Why: a phone's clock and the sink's differ by up to ~0.5 %, so the buffer gains or loses up
 * to 5 ms of audio per second. Left alone, latency grows for as long as the stream runs, or the
 * buffer runs dry and underruns, periodically.
 *
 * Measurement: the wait of each packet (arrival → its first frame due at the sink), averaged
 * over 1 s windows of the clock — what latency reports minus the sink's queue, to the frame
 * however coarse the pulls. The buffer gains what the sender sends beyond what we play, so
 *
 *   wait(t) = wait0 + drift·t − drained(t),   drained(t) = ∫ (speed − 1) dt
 *
 * and every pair of windows measures drift = (Δ mean wait + Δ mean drained) / Δ mean time,
 * whatever the controller was doing. Their running mean, then a 2-minute average, is the
 * estimate (driftPpm: sender faster than the sink → positive). When the playout itself moves
 * the level, the measurement restarts (a start after a dry spell, a stalled sink) or is shifted
 * by what it dropped, so such jolts are never taken for drift.
 *
 * Control, once per window, with e = mean wait − target (ms):
 *
 *   speed = 1 + drift + e / settleMs + (e / spreadMs while |e| > 4 ms, until it is < 1 ms)
 *
 * capped at ±2 %; the applied speed slews toward it by at most 0.5 % per second, so it never
 * steps audibly. Correction is off — speed exactly 1, the resampler's bit-exact bypass — until
 * the wait is more than 8 ms off target for two windows running, or the drift estimate exceeds
 * 20 ppm and three standard errors of its measurements; it goes off again within 1 ms of target
 * without drift. When the clocks agree, a small start-up offset is not worth resampling for.
 *
 * scrcpy runs only the catch-up term (4 s spread, the same 4 ms / 1 ms band, 2 % cap): with a
 * steady clock difference its level keeps cycling between 1 and 4 ms off target. Here the
 * measured drift carries the steady part and the gentle term holds the level on target.
 */

/** Tuning of the regulator. */
export interface DriftRegulatorOptions {
  /** Length of one measuring window, ms. */
  readonly windowMs: number;
  /** Averaging time of the drift estimate, ms. */
  readonly estimateMs: number;
  /** The gentle term corrects an error e by e/settleMs of speed (10 s: 1 ms off = 100 ppm). */
  readonly settleMs: number;
  /** Correction switches on when the wait stays this far off target, ms (an offset). */
  readonly engageMs: number;
  /** The catch-up term corrects an error over this long, ms (scrcpy: 4 s). */
  readonly spreadMs: number;
  /** Catch-up starts when the error exceeds this, ms. */
  readonly startMs: number;
  /** Catch-up stops when the error falls below this, ms. */
  readonly stopMs: number;
  /** Correction also switches on when a significant drift estimate exceeds this (fraction). */
  readonly idleDrift: number;
  /** Largest speed change, as a fraction (0.02 = 2 %). */
  readonly maxCorrection: number;
  /** Fastest change of the applied speed, fraction per second. */
  readonly slewPerSecond: number;
}

export const defaultDriftRegulator: DriftRegulatorOptions = {
  windowMs: 1000,
  estimateMs: 120_000,
  settleMs: 10_000,
  engageMs: 8,
  spreadMs: 4000,
  startMs: 4,
  stopMs: 1,
  idleDrift: 20e-6,
  maxCorrection: 0.02,
  slewPerSecond: 0.005,
};

/** A gap between two pulls longer than this, ms, is a stall: the measurement starts afresh. */
const STALL_MS = 100;

export class DriftRegulator {
  private applied = 1;
  private wanted = 1;
  private drift = 0;
  /** Spread (variance) of the single measurements around the estimate. */
  private driftVariance = 0;
  private driftWeight = 1;
  private estimates = 0;
  private correcting = false;
  private offsetWindows = 0;
  private catchingUp = false;
  private running = false;
  private stretchStartMs = 0;
  private windowStartMs = 0;
  private lastTickMs = 0;
  /** ∫ (applied − 1) dt since the stretch began, ms: how much the speed has drained. */
  private drainedMs = 0;
  /** This window's samples: count and sums of wait, time and drained. */
  private n = 0;
  private sumWaitMs = 0;
  private sumAtMs = 0;
  private sumDrainedMs = 0;
  /** The previous window's means (NaN: none to compare with). */
  private previous = { waitMs: Number.NaN, atMs: 0, drainedMs: 0 };
  /** Mean wait of the last complete window, ms (NaN before the first). */
  meanWaitMs = Number.NaN;

  constructor(
    /** The wait aimed at, ms. */
    readonly targetMs: number,
    private readonly o: DriftRegulatorOptions = defaultDriftRegulator,
  ) {}

  /** Speed to play the stream at now: > 1 consumes it faster (the buffer shrinks). */
  get ratio(): number {
    return this.applied;
  }

  /** Estimated sender clock minus sink clock, in parts per million. */
  get driftPpm(): number {
    return this.drift * 1e6;
  }

  /** Starts a fresh stretch with nothing to compare to (playback began, or the level jumped). */
  start(nowMs: number): void {
    this.running = true;
    this.lastTickMs = this.windowStartMs = this.stretchStartMs = nowMs;
    this.drainedMs = 0;
    this.clearWindow();
    this.previous.waitMs = Number.NaN;
    this.offsetWindows = 0;
  }

  /** The playout moved every wait by `deltaMs` itself (it dropped audio): not drift. */
  shift(deltaMs: number): void {
    this.sumWaitMs += deltaMs * this.n;
    this.previous.waitMs += deltaMs;
  }

  /** Stops measuring (not playing); the speed and the drift estimate are kept. */
  pause(): void {
    this.running = false;
  }

  /** One packet, its first frame due at the sink at `atMs`, had waited `waitMs`. */
  sample(waitMs: number, atMs: number): void {
    // A packet that came before the stretch began also waited out the pre-buffering or the stall.
    if (!this.running || atMs - waitMs <= this.stretchStartMs) return;
    this.n++;
    this.sumWaitMs += waitMs;
    this.sumAtMs += atMs;
    this.sumDrainedMs += this.drainedMs + (this.applied - 1) * (atMs - this.lastTickMs);
  }

  /** Advances to `nowMs`: slews the applied speed, and closes a window when one is due. */
  tick(nowMs: number): void {
    if (!this.running) return;
    const o = this.o;
    const dtMs = nowMs - this.lastTickMs;
    // The sink or the event loop stalled: the level jumped, and not because of the clocks.
    if (dtMs > STALL_MS) return this.start(nowMs);
    this.drainedMs += (this.applied - 1) * dtMs;
    this.applied += clamp(this.wanted - this.applied, (o.slewPerSecond * dtMs) / 1000);
    this.lastTickMs = nowMs;
    if (nowMs - this.windowStartMs < o.windowMs) return;
    if (this.n > 0) this.closeWindow(nowMs);
    else this.previous.waitMs = Number.NaN;
    this.windowStartMs = nowMs;
    this.clearWindow();
  }

  private clearWindow(): void {
    this.n = this.sumWaitMs = this.sumAtMs = this.sumDrainedMs = 0;
  }

  private closeWindow(nowMs: number): void {
    const waitMs = this.sumWaitMs / this.n;
    const atMs = this.sumAtMs / this.n;
    const drainedMs = this.sumDrainedMs / this.n;
    const p = this.previous;
    // wait(t) = wait0 + drift·t − drained(t): compare the two windows' means.
    if (!Number.isNaN(p.waitMs) && atMs > p.atMs) this.learn((waitMs - p.waitMs + drainedMs - p.drainedMs) / (atMs - p.atMs), nowMs - this.windowStartMs);
    p.waitMs = this.meanWaitMs = waitMs;
    p.atMs = atMs;
    p.drainedMs = drainedMs;
    this.steer(waitMs - this.targetMs);
  }

  /** Folds one drift measurement into the estimate: a running mean at first, then an average. */
  private learn(measured: number, windowMs: number): void {
    const weight = Math.min(1, Math.max(1 / ++this.estimates, windowMs / this.o.estimateMs));
    this.drift += (measured - this.drift) * weight;
    if (this.estimates > 1) this.driftVariance += ((measured - this.drift) ** 2 - this.driftVariance) * weight;
    this.driftWeight = weight;
  }

  /** Sets the wanted speed from the error `e` (ms) and the drift estimate. */
  private steer(e: number): void {
    const o = this.o;
    const drifting = Math.abs(this.drift) >= o.idleDrift;
    const significant = this.estimates > 1 && Math.abs(this.drift) > 3 * Math.sqrt(this.driftVariance * this.driftWeight);
    // An offset must outlast a window: one seen only right after a start is often its artifact.
    this.offsetWindows = Math.abs(e) > o.engageMs ? this.offsetWindows + 1 : 0;
    if (this.offsetWindows >= 2 || (drifting && significant)) this.correcting = true;
    else if (Math.abs(e) < o.stopMs && !drifting) this.correcting = false;
    if (Math.abs(e) > o.startMs) this.catchingUp = this.correcting;
    else if (Math.abs(e) < o.stopMs) this.catchingUp = false;
    const correction = this.drift + e / o.settleMs + (this.catchingUp ? e / o.spreadMs : 0);
    this.wanted = this.correcting ? 1 + clamp(correction, o.maxCorrection) : 1;
  }
}

function clamp(x: number, limit: number): number {
  return x > limit ? limit : x < -limit ? -limit : x;
}
