/**
 * The decision core of the impairment proxy: pure, no I/O, time handed in by the caller.
 *
 * Packets are numbered 0, 1, 2, ... in arrival order. Each takes exactly DRAWS_PER_PACKET
 * numbers from the seeded PRNG whatever happens to it, so the fate of packet i depends only on
 * the seed and i: same seed ⇒ same drops, duplicates and holds, however the packets were timed.
 *
 * - Loss: fixed-length bursts (not Gilbert–Elliott). Outside a burst a packet starts one with
 *   probability q; the burst drops it and the next b-1 packets. The lost share is then
 *   qb / (1 + q(b-1)), so q = p / (b - p(b-1)) makes it exactly p = lossPercent in the long run.
 * - Delay: release = arrival + delayMs + U(0, jitterMs), uniform. Jitter alone reorders;
 *   keepOrder makes each release no earlier than the previous one.
 * - Duplicate: a second copy U(0, jitterMs) after the original (right after it with keepOrder).
 * - Reorder: the packet is held until reorderGap later packets are released, then leaves right
 *   after the last of them: displaced by exactly reorderGap. With no traffic for HELD_TIMEOUT_MS
 *   it leaves alone.
 * - Bursty delivery: release times round up to the next multiple of burstDeliveryMs counted
 *   from originMs, so packets leave in clumps on a fixed grid (no drift, whatever the lateness).
 */
import { IndexLog } from "./index-log.js";
import { mulberry32 } from "./prng.js";
import type { ImpairSettings } from "./options.js";

const DRAWS_PER_PACKET = 5;
/** A held packet leaves alone once this long has passed with too few packets overtaking it. */
export const HELD_TIMEOUT_MS = 250;

/** One datagram to send. */
export interface Release<T> {
  /** Arrival index of the packet. */
  index: number;
  /** True for the duplicate copy. */
  copy: boolean;
  /** When to send it, on the caller's clock. */
  atMs: number;
  payload: T;
}

/** What became of one arriving packet. */
export interface Arrival<T> {
  index: number;
  dropped: boolean;
  /** Datagrams to queue now: this packet's (unless dropped or held), then any it released. */
  releases: Release<T>[];
}

interface Held<T> {
  index: number;
  payload: T;
  waiting: number;
  deadlineMs: number;
  copyDelayMs: number | undefined;
}

export class ImpairPlan<T> {
  /** Packets seen so far. */
  received = 0;
  readonly dropped = new IndexLog();
  readonly duplicated = new IndexLog();
  /** Packets held back by reorderPercent (reordering caused by jitter is not counted). */
  readonly reordered = new IndexLog();
  private readonly random: () => number;
  private readonly burstStart: number;
  private readonly burstLength: number;
  private burstLeft = 0;
  private lastAtMs = -Infinity;
  private held: Held<T>[] = [];

  constructor(
    private readonly s: ImpairSettings,
    private readonly originMs = 0,
  ) {
    this.random = mulberry32(s.seed);
    const p = s.lossPercent / 100;
    const b = Math.max(1, s.burstLength);
    this.burstLength = b;
    this.burstStart = p / (b - p * (b - 1));
  }

  /** Packets held back, waiting to be overtaken. */
  get heldCount(): number {
    return this.held.length;
  }

  /** Decides the fate of the next packet, arrived at `nowMs`. */
  arrive(nowMs: number, payload: T): Arrival<T> {
    const index = this.received++;
    const [uLoss, uDup, uHold, uJitter, uCopy] = Array.from({ length: DRAWS_PER_PACKET }, this.random);
    if (this.lose(uLoss!)) {
      this.dropped.add(index);
      return { index, dropped: true, releases: [] };
    }
    const s = this.s;
    let copyDelayMs: number | undefined;
    if (uDup! * 100 < s.duplicatePercent) {
      copyDelayMs = s.keepOrder ? 0 : uCopy! * s.jitterMs;
      this.duplicated.add(index);
    }
    if (uHold! * 100 < s.reorderPercent) {
      const deadlineMs = nowMs + s.delayMs + HELD_TIMEOUT_MS;
      this.held.push({ index, payload, waiting: Math.max(1, s.reorderGap), deadlineMs, copyDelayMs });
      this.reordered.add(index);
      return { index, dropped: false, releases: [] };
    }
    let atMs = nowMs + s.delayMs + uJitter! * s.jitterMs;
    if (s.keepOrder) atMs = Math.max(atMs, this.lastAtMs);
    atMs = this.onGrid(atMs);
    this.lastAtMs = atMs;
    const releases = this.release(index, payload, atMs, copyDelayMs);
    for (const h of this.held) {
      if (--h.waiting === 0) releases.push(...this.release(h.index, h.payload, atMs, h.copyDelayMs));
    }
    this.held = this.held.filter((h) => h.waiting > 0);
    return { index, dropped: false, releases };
  }

  /** Releases held packets whose deadline is at or before `nowMs`. */
  expire(nowMs: number): Release<T>[] {
    const due = this.held.filter((h) => h.deadlineMs <= nowMs);
    this.held = this.held.filter((h) => h.deadlineMs > nowMs);
    const atMs = this.onGrid(nowMs);
    return due.flatMap((h) => this.release(h.index, h.payload, atMs, h.copyDelayMs));
  }

  /** Earliest deadline of a held packet, if any is held. */
  nextDeadlineMs(): number | undefined {
    return this.held.length > 0 ? Math.min(...this.held.map((h) => h.deadlineMs)) : undefined;
  }

  private lose(u: number): boolean {
    if (this.burstLeft > 0) {
      this.burstLeft--;
      return true;
    }
    if (u >= this.burstStart) return false;
    this.burstLeft = this.burstLength - 1;
    return true;
  }

  private release(index: number, payload: T, atMs: number, copyDelayMs: number | undefined): Release<T>[] {
    const out: Release<T>[] = [{ index, copy: false, atMs, payload }];
    if (copyDelayMs !== undefined) out.push({ index, copy: true, atMs: this.onGrid(atMs + copyDelayMs), payload });
    return out;
  }

  private onGrid(atMs: number): number {
    const step = this.s.burstDeliveryMs;
    if (step <= 0) return atMs;
    // The epsilon keeps a time already on the grid from being pushed a whole step by rounding.
    return this.originMs + Math.ceil((atMs - this.originMs) / step - 1e-9) * step;
  }
}
