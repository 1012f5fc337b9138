/**
 * Runs the impairment plan on simulated time, exactly as the proxy drives it, with no sockets:
 * the order and times packets would leave the proxy. Handy for tests of receivers (jitter
 * buffers, loss concealment) that want a bad network in milliseconds and without I/O.
 */
import { DeliveryQueue } from "./queue.js";
import { ImpairPlan } from "./plan.js";
import type { ImpairSettings } from "./options.js";

/** One datagram leaving the simulated proxy. */
export interface Delivery {
  /** Arrival index of the packet. */
  index: number;
  /** True for a duplicate copy. */
  copy: boolean;
  /** When it leaves, on the same clock as the arrival times. */
  atMs: number;
}

/** Packets arriving at `arrivalsMs` (ascending); returns the plan and every datagram in leaving order. */
export function simulateImpairment(
  settings: ImpairSettings,
  arrivalsMs: readonly number[],
  originMs = 0,
): { plan: ImpairPlan<number>; out: Delivery[] } {
  const plan = new ImpairPlan<number>(settings, originMs);
  const queue = new DeliveryQueue<Delivery>();
  const out: Delivery[] = [];
  const advance = (nowMs: number) => {
    for (const r of plan.expire(nowMs)) queue.push(r.atMs, r);
    out.push(...queue.takeDue(nowMs).map(({ index, copy, atMs }) => ({ index, copy, atMs })));
  };
  arrivalsMs.forEach((t, i) => {
    advance(t);
    for (const r of plan.arrive(t, i).releases) queue.push(r.atMs, r);
  });
  advance(Number.MAX_SAFE_INTEGER);
  return { plan, out };
}
