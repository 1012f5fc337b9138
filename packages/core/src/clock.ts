/** Monotonic time source; injected so algorithms can run on simulated time. */
export interface Clock {
  /** Milliseconds since an arbitrary origin, monotonic, fractional. */
  now(): number;
}
export const Clock = Symbol.for("phonemic.Clock");

/** The process's monotonic clock. */
export const systemClock: Clock = { now: () => performance.now() };
