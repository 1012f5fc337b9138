/**
 * Network impairment for testing receivers: a seeded UDP proxy that loses, duplicates,
 * reorders, delays and bunches datagrams, with a pure decision core usable without sockets.
 *
 * @example
 * import { startImpairProxy, describeImpairment } from "./impair/index.js";
 * const options = { target: "127.0.0.1:50000", lossPercent: 10, burstLength: 3, jitterMs: 20, seed: 42 };
 * console.log(describeImpairment(options));
 * const proxy = await startImpairProxy(options, signal);
 * // ... point the sender at proxy.port, then:
 * console.log(proxy.stats().droppedIndices);
 * await proxy.close();
 */
export {
  impairOptionsSchema,
  describeImpairment,
  parseEndpoint,
  formatEndpoint,
  type Endpoint,
  type ImpairOptions,
  type ImpairOptionsInput,
  type ImpairSettings,
  NO_IMPAIRMENT,
} from "./options.js";
export { ImpairPlan, HELD_TIMEOUT_MS, type Arrival, type Release } from "./plan.js";
export { DeliveryQueue } from "./queue.js";
export { simulateImpairment, type Delivery } from "./simulate.js";
export { mulberry32 } from "./prng.js";
export type { DirectionStats } from "./direction.js";
export { startImpairProxy, type ImpairProxy, type ImpairStats, type ImpairDeps } from "./proxy.js";
