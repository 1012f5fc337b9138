import { consoleLogger, systemClock } from "@phonemic/core";
import { describeImpairment, startImpairProxy, type ImpairOptionsInput } from "../impair/index.js";
import { stopSignal } from "../signals.js";

export interface ImpairFlags {
  listen: string;
  target: string;
  loss: number;
  burst: number;
  jitter: number;
  delay: number;
  reorder: number;
  duplicate: number;
  burstDelivery: number;
  seed: number;
  duration?: number;
}

/** `phonemic impair`: runs the proxy until Ctrl-C or --duration, then prints its counters. */
export async function impairCommand(flags: ImpairFlags): Promise<number> {
  const logger = consoleLogger();
  const options: ImpairOptionsInput = {
    listen: flags.listen,
    target: flags.target,
    lossPercent: flags.loss,
    burstLength: flags.burst,
    jitterMs: flags.jitter,
    delayMs: flags.delay,
    reorderPercent: flags.reorder,
    duplicatePercent: flags.duplicate,
    burstDeliveryMs: flags.burstDelivery,
    seed: flags.seed,
  };
  const signal = stopSignal(flags.duration);
  const proxy = await startImpairProxy(options, signal, { clock: systemClock, logger });
  logger.info(`impairing ${describeImpairment({ ...options, listen: { host: proxy.address, port: proxy.port } })}`);
  await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  const stats = proxy.stats();
  await proxy.close();
  process.stdout.write(JSON.stringify(stats) + "\n");
  return 0;
}
