/**
 * The most recent packet indices of one kind (dropped, duplicated, held back). Bounded so a
 * proxy left running for hours does not grow; a test sending fewer packets sees them all.
 */
export class IndexLog {
  private items: number[] = [];
  /** How many indices were ever added, including forgotten ones. */
  total = 0;

  constructor(private readonly limit = 4096) {}

  /** Records one index. */
  add(index: number): void {
    this.total++;
    this.items.push(index);
    // Trim in chunks so adding stays O(1) amortised.
    if (this.items.length >= 2 * this.limit) this.items = this.items.slice(-this.limit);
  }

  /** The last `limit` indices, oldest first. */
  list(): number[] {
    return this.items.slice(-this.limit);
  }
}
