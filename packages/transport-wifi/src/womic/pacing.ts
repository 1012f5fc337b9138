/**
 * Real-time pacing for the sender. Packet n is due at an absolute time computed from the
 * stream's start, never from the previous packet's send time: a timer that fires late makes
 * the next wait shorter, so lateness never accumulates into drift.
 *
 * A phone's clock is never exactly the PC's. `skewPpm` models that: a sender whose clock runs
 * `skewPpm` parts per million fast believes 20 ms have passed after 20 ms · (1 − ppm·1e-6) of
 * real time, so it sends slightly more packets per real second (and negative ppm, fewer).
 */
import type { Clock } from "@phonemic/core";

/** When packet `n` (from 0) is due, on the receiver's clock, for a stream started at `startMs`. */
export function packetDueMs(startMs: number, n: number, frameMs: number, skewPpm = 0): number {
  return startMs + n * frameMs * (1 - skewPpm * 1e-6);
}

/** Most packets sent back to back after a stall before yielding to other work. */
const MAX_BURST = 50;

/**
 * Calls `send(n)` for n = 0, 1, 2… each at its due time until `send` returns false or `stop()`
 * is called. `onStop` runs once, whichever way it stopped.
 */
export class PacedLoop {
  private n = 0;
  private startMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly clock: Clock,
    private readonly frameMs: number,
    private readonly skewPpm: number,
    private readonly send: (n: number) => boolean,
    private readonly onStop: () => void,
  ) {}

  /** Packets sent so far. */
  get sent(): number {
    return this.n;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.startMs = this.clock.now();
    this.tick();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    this.onStop();
  }

  private tick(): void {
    const now = this.clock.now();
    let burst = 0;
    while (this.running && packetDueMs(this.startMs, this.n, this.frameMs, this.skewPpm) <= now && burst < MAX_BURST) {
      if (!this.send(this.n)) return this.stop();
      this.n++;
      burst++;
    }
    if (!this.running) return;
    const waitMs = packetDueMs(this.startMs, this.n, this.frameMs, this.skewPpm) - this.clock.now();
    // Rounded up: libuv counts whole milliseconds, and waking early only costs another turn.
    this.timer = setTimeout(() => this.tick(), Math.max(0, Math.ceil(waitMs)));
  }
}
