/**
 * Clock-drift regulator: keeps the time packets wait in the playout at its target by playing
 * the stream a little faster or slower, and measures the sender's clock against the sink's.
 *
 * Why: a phone's clock and the sink's differ by up to ~0.5 %, so the buffer gains or loses up
 * to 5 ms of audio per second. Left alone, latency grows for as long as the stream runs, or the
 * buffer runs dry and underruns, periodically.
 *
 * Measurement: each packet's wait (arrival → its first frame due at the sink) and latency (the
 * wait plus the sink's queue ahead of that frame: arrival → heard). The buffer gains what the
 * sender sends beyond what we play, so for a packet that was not held up
 *
 *   latency(t) = latency0 + drift·t − drained(t),   drained(t) = ∫ (speed − 1) dt
 *
 * Latency, not the wait, because it does not depend on when the sink was fed: after a stalled
 * event loop the next pulls take more at once, which lengthens those packets' waits and
 * shortens their sink queue by the same amount. Arrival times are taken when a packet is read,
 * so anything that holds a packet up (the network, a busy event loop that reads a second of
 * packets late, in a burst) only ever makes it read shorter. So each 1 s window of the clock
 * gives one point: the longest latency + drained in it (the packet held up least), at the
 * window's mean time. Those points lie on a line whose slope is the drift, whatever the
 * controller was doing; the estimate (driftPpm: sender faster than the sink → positive) is that
 * slope by least squares over the last ~2 minutes of windows, older ones fading out, reported
 * from the third point on. When the level itself moves, the line breaks: a start after a dry
 * spell or a stalled sink begins a new stretch with its own offset (only the slope is shared);
 * audio the playout dropped shifts the stretch's earlier points by as much; a point far off the
 * line is handled as addPoint() says. So such jolts are never taken for drift. The first window
 * after a stall is left out: every packet in it may have queued during the stall.
 *
 * Control, once per window, with e = median wait − target (ms) — the median, so a second of
 * held-up packets or a stall's catch-up is not taken for a level — and the drift estimate
 * counted only once it exceeds three of its standard errors and either ten windows lie on its
 * line or over those it has moved the level by more than 4 ms:
 *
 *   speed = 1 + drift + e / settleMs + (e / spreadMs while |e| > 4 ms, until it is < 1 ms)
 *
 * capped at ±2 %; the applied speed slews toward it by at most 0.5 % per second, so it never
 * steps audibly. Correction is off — speed exactly 1, the resampler's bit-exact bypass — until
 * the wait is more than 8 ms off target for two windows running, or the drift estimate exceeds
 * 20 ppm and three of its standard errors; it goes off again within 1 ms of target
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
/** A window's point this far off the line, ms, is not on it (see addPoint). */
const JUMP_MS = 10;
/**
 * Points after which the line's slope steers the speed even if it has not yet moved the level
 * by startMs over them. A network or a machine that is slow for the first seconds of a stream
 * makes the first windows look like a slope of a few hundred ppm; a real clock difference of
 * that size moves the level only a few ms in that time, and keeps moving it.
 */
const TRUSTED_POINTS = 10;

export class DriftRegulator {
  private applied = 1;
  private wanted = 1;
  private drift = 0;
  private readonly line: DriftLine;
  /** Windows of this stretch still to leave out of the line (the first one after a stall). */
  private skipWindows = 0;
  private correcting = false;
  private offsetWindows = 0;
  private catchingUp = false;
  private running = false;
  private stretchStartMs = 0;
  private windowStartMs = 0;
  private lastTickMs = 0;
  /** ∫ (applied − 1) dt since the stretch began, ms: how much the speed has drained. */
  private drainedMs = 0;
  /** This window's waits, ms. */
  private readonly waits: number[] = [];
  /** This window's point of the line: the longest latency + drained, and the mean sample time. */
  private topMs = -Infinity;
  private sumAtMs = 0;
  /** Windows running whose point lay well below the line (held-up packets, or a level drop). */
  private lowWindows = 0;
  /** Median wait of the last complete window, ms (NaN before the first). */
  windowWaitMs = Number.NaN;

  constructor(
    /** The wait aimed at, ms. */
    readonly targetMs: number,
    private readonly o: DriftRegulatorOptions = defaultDriftRegulator,
  ) {
    this.line = new DriftLine(1 - o.windowMs / o.estimateMs);
  }

  /** Speed to play the stream at now: > 1 consumes it faster (the buffer shrinks). */
  get ratio(): number {
    return this.applied;
  }

  /** Estimated sender clock minus sink clock, in parts per million. */
  get driftPpm(): number {
    return this.drift * 1e6;
  }

  /** Starts a fresh stretch with nothing to compare to (playback began, or the level jumped). */
  start(nowMs: number, stalled = false): void {
    this.running = true;
    this.skipWindows = stalled ? 1 : 0;
    this.lastTickMs = this.windowStartMs = this.stretchStartMs = nowMs;
    this.drainedMs = 0;
    this.clearWindow();
    this.line.breakLine();
    this.lowWindows = 0;
    this.offsetWindows = 0;
  }

  /** The playout moved every wait by `deltaMs` itself (it dropped audio): not drift. */
  shift(deltaMs: number): void {
    for (let i = 0; i < this.waits.length; i++) this.waits[i]! += deltaMs;
    this.topMs += deltaMs;
    this.line.shift(deltaMs);
  }

  /** Stops measuring (not playing); the speed and the drift estimate are kept. */
  pause(): void {
    this.running = false;
  }

  /**
   * One packet, its first frame due at the sink at `atMs`, had waited `waitMs`, and will then
   * wait `queueMs` more in the sink's queue.
   */
  sample(waitMs: number, atMs: number, queueMs = 0): void {
    // A packet that came before the stretch began also waited out the pre-buffering or the stall.
    if (!this.running || atMs - waitMs <= this.stretchStartMs) return;
    this.waits.push(waitMs);
    this.sumAtMs += atMs;
    const y = waitMs + queueMs + this.drainedMs + (this.applied - 1) * (atMs - this.lastTickMs);
    if (y > this.topMs) this.topMs = y;
  }

  /** Advances to `nowMs`: slews the applied speed, and closes a window when one is due. */
  tick(nowMs: number): void {
    if (!this.running) return;
    const o = this.o;
    const dtMs = nowMs - this.lastTickMs;
    // The sink or the event loop stalled: the level jumped, and not because of the clocks.
    if (dtMs > STALL_MS) return this.start(nowMs, true);
    this.drainedMs += (this.applied - 1) * dtMs;
    this.applied += clamp(this.wanted - this.applied, (o.slewPerSecond * dtMs) / 1000);
    this.lastTickMs = nowMs;
    if (nowMs - this.windowStartMs < o.windowMs) return;
    if (this.waits.length > 0) this.closeWindow();
    this.windowStartMs = nowMs;
    this.clearWindow();
  }

  private clearWindow(): void {
    this.waits.length = 0;
    this.topMs = -Infinity;
    this.sumAtMs = 0;
  }

  private closeWindow(): void {
    const waits = this.waits.sort((x, y) => x - y);
    const mid = waits.length >> 1;
    const waitMs = waits.length % 2 ? waits[mid]! : (waits[mid - 1]! + waits[mid]!) / 2;
    if (this.skipWindows > 0) this.skipWindows--;
    else this.addPoint(this.sumAtMs / waits.length, this.topMs);
    // Reported once three points tell how far to trust it.
    const se = this.line.standardError();
    if (Number.isFinite(se)) this.drift = this.line.slope()!;
    this.windowWaitMs = waitMs;
    this.steer(waitMs - this.targetMs, se);
  }

  /**
   * Adds a window's point to the line. Once the stretch has a line (two points), one well below
   * it is a window whose every packet was held up: left out, unless three running say the level
   * dropped. One well above it means that earlier points were held up, or that the level rose.
   * Either way a new stretch starts there; the old one's slope is kept only if four or more
   * points agreed on it (fewer may be the held-up ones).
   */
  private addPoint(atMs: number, y: number): void {
    const expected = this.line.predict(atMs);
    if (expected !== undefined) {
      if (y < expected - JUMP_MS && ++this.lowWindows < 3) return;
      if (y > expected + JUMP_MS || this.lowWindows >= 3) this.line.breakLine(this.line.points >= 4);
    }
    this.lowWindows = 0;
    this.line.add(atMs, y);
  }

  /** Sets the wanted speed from the error `e` (ms) and the drift estimate, of standard error `se`. */
  private steer(e: number, se: number): void {
    const o = this.o;
    const spanMs = (this.line.total - 1) * o.windowMs;
    const lasting = this.line.total >= TRUSTED_POINTS || Math.abs(this.drift) * spanMs > o.startMs;
    const trusted = lasting && Math.abs(this.drift) > 3 * se;
    const drift = trusted ? this.drift : 0;
    const drifting = Math.abs(drift) >= o.idleDrift;
    // An offset must outlast a window: one seen only right after a start is often its artifact.
    this.offsetWindows = Math.abs(e) > o.engageMs ? this.offsetWindows + 1 : 0;
    if (this.offsetWindows >= 2 || drifting) this.correcting = true;
    else if (Math.abs(e) < o.stopMs && !drifting) this.correcting = false;
    if (Math.abs(e) > o.startMs) this.catchingUp = this.correcting;
    else if (Math.abs(e) < o.stopMs) this.catchingUp = false;
    const correction = drift + e / o.settleMs + (this.catchingUp ? e / o.spreadMs : 0);
    this.wanted = this.correcting ? 1 + clamp(correction, o.maxCorrection) : 1;
  }
}

/**
 * Least-squares slope of points (t, y) that lie on parallel lines: each stretch of points has
 * its own offset, the slope is shared. Every point added fades the older ones by `keep`.
 * Sums are kept centred per stretch, with t and y taken from the stretch's first point.
 */
class DriftLine {
  /** Finished stretches: centred sums of squares and products, and residual degrees of freedom. */
  private tt = 0;
  private ty = 0;
  private yy = 0;
  private dof = 0;
  /** The current stretch: weight, sums, and its first point (the origin of its sums). */
  private w = 0;
  private st = 0;
  private sy = 0;
  private stt = 0;
  private sty = 0;
  private syy = 0;
  private t0 = 0;
  private y0 = 0;
  /** Points in the current stretch, and in all the stretches that count. */
  points = 0;
  total = 0;

  constructor(private readonly keep: number) {}

  add(t: number, y: number): void {
    for (const k of ["tt", "ty", "yy", "dof", "w", "st", "sy", "stt", "sty", "syy"] as const) this[k] *= this.keep;
    if (this.w === 0) [this.t0, this.y0] = [t, y];
    const dt = t - this.t0;
    const dy = y - this.y0;
    this.w += 1;
    this.points++;
    this.total++;
    this.st += dt;
    this.sy += dy;
    this.stt += dt * dt;
    this.sty += dt * dy;
    this.syy += dy * dy;
  }

  /** Every point so far moves by `dy` (the playout dropped that much audio). */
  shift(dy: number): void {
    this.y0 += dy;
  }

  /** Where the current stretch's line is at `t`, or undefined before it has two points. */
  predict(t: number): number | undefined {
    if (this.points < 2) return undefined;
    return this.y0 + this.sy / this.w + (this.slope() ?? 0) * (t - this.t0 - this.st / this.w);
  }

  /** The next point starts a new stretch (a new offset); `keep`: its points still count. */
  breakLine(keep = true): void {
    if (keep) {
      const c = this.centred();
      this.tt += c.tt;
      this.ty += c.ty;
      this.yy += c.yy;
      this.dof += Math.max(0, this.w - 1);
    } else this.total -= this.points;
    this.points = 0;
    this.w = this.st = this.sy = this.stt = this.sty = this.syy = 0;
  }

  /** The slope, or undefined before any stretch has two points. */
  slope(): number | undefined {
    const c = this.centred();
    const tt = this.tt + c.tt;
    return tt > 0 ? (this.ty + c.ty) / tt : undefined;
  }

  /** Standard error of the slope (Infinity until a third point tells the scatter). */
  standardError(): number {
    const c = this.centred();
    const tt = this.tt + c.tt;
    const ty = this.ty + c.ty;
    const dof = this.dof + Math.max(0, this.w - 1) - 1;
    if (tt <= 0 || dof <= 0) return Infinity;
    const residual = Math.max(0, this.yy + c.yy - (ty * ty) / tt);
    return Math.sqrt(residual / dof / tt);
  }

  private centred(): { tt: number; ty: number; yy: number } {
    if (this.w === 0) return { tt: 0, ty: 0, yy: 0 };
    const { w, st, sy } = this;
    return { tt: this.stt - (st * st) / w, ty: this.sty - (st * sy) / w, yy: this.syy - (sy * sy) / w };
  }
}

function clamp(x: number, limit: number): number {
  return x > limit ? limit : x < -limit ? -limit : x;
}
