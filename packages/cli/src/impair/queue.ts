/**
 * Datagrams waiting for their release time, earliest first. Items due at the same time keep
 * the order they were pushed in, which is what lets the plan say "right after that packet".
 * A sorted array: at audio rates only a few dozen items wait at once.
 */
export class DeliveryQueue<T> {
  private readonly items: { atMs: number; value: T }[] = [];

  /** Number of waiting items. */
  get size(): number {
    return this.items.length;
  }

  /** Adds `value` to leave at `atMs`, after everything already due at or before `atMs`. */
  push(atMs: number, value: T): void {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid]!.atMs <= atMs) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, { atMs, value });
  }

  /** Release time of the earliest item, if any. */
  nextAtMs(): number | undefined {
    return this.items[0]?.atMs;
  }

  /** Removes and returns, in release order, every item due at or before `nowMs`. */
  takeDue(nowMs: number): T[] {
    let n = 0;
    while (n < this.items.length && this.items[n]!.atMs <= nowMs) n++;
    return this.items.splice(0, n).map((item) => item.value);
  }

  /** Forgets everything waiting. */
  clear(): void {
    this.items.length = 0;
  }
}
