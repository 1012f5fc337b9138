import { consoleLogger, type StatsSnapshot } from "@phonemic/core";
import { loadConfig } from "../config.js";
import { stopSignal } from "../signals.js";
import { summarize, writeStats } from "../stats-output.js";
import { runListen } from "../wiring.js";

export interface ListenFlags {
  config?: string;
  once?: boolean;
  duration?: number;
  stats?: string;
  verbose?: boolean;
}

/** `phonemic listen`: the main job, from a config file. Returns the exit code. */
export async function listenCommand(flags: ListenFlags): Promise<number> {
  const loaded = await loadConfig(flags.config);
  const logger = consoleLogger(flags.verbose || loaded.config.verbose);
  logger.info(`config ${loaded.filepath}`);
  const signal = stopSignal(flags.duration);
  const { result, stats } = await runListen(loaded, { once: !!flags.once, logger, signal });
  report(stats, flags.stats, logger.info);
  return result.exitCode;
}

/** Prints the summary and writes --stats. */
export function report(stats: StatsSnapshot, target: string | undefined, say: (m: string) => void): void {
  say(summarize(stats));
  writeStats(target, stats);
}
