/**
 * The composition root: config → plugins → one session container → a run.
 * Reads top to bottom like the wiring diagram it is.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  AudioSink,
  createSessionContainer,
  Transport,
  defaultMaxMs,
  defaultPlayoutLoop,
  ListenSession,
  PluginRegistry,
  systemClock,
  type ChosenPlugin,
  type ListenResult,
  type Logger,
  type StatsSnapshot,
} from "@phonemic/core";
import { pluginOptions, type LoadedConfig } from "./config.js";

/** Imports plugin packages as the config's folder sees them, falling back to phonemic's own. */
export function importerFor(configPath: string) {
  const fromConfig = createRequire(join(dirname(configPath), "noop.js"));
  return async (specifier: string): Promise<unknown> => {
    try {
      return await import(pathToFileURL(fromConfig.resolve(specifier)).href);
    } catch {
      // Not installed beside the config (or not resolvable by require): phonemic's own copy.
      return import(specifier);
    }
  };
}

/** Resolves both plugins named by the config and validates their options. */
export async function choosePlugins(loaded: LoadedConfig): Promise<{ transport: ChosenPlugin<"transport">; sink: ChosenPlugin<"sink"> }> {
  const registry = new PluginRegistry(importerFor(loaded.filepath));
  const transport = await pluginOptions(registry, "transport", loaded.config.transport, loaded.filepath);
  const sink = await pluginOptions(registry, "sink", loaded.config.sink, loaded.filepath);
  return { transport: transport as ChosenPlugin<"transport">, sink: sink as ChosenPlugin<"sink"> };
}

/** Runs the main job from a loaded config until `signal` aborts (or, with `once`, the stream ends). */
export async function runListen(
  loaded: LoadedConfig,
  opts: { once: boolean; logger: Logger; signal: AbortSignal },
): Promise<{ result: ListenResult; stats: StatsSnapshot }> {
  const plugins = await choosePlugins(loaded);
  const { audio } = loaded.config;
  const container = createSessionContainer({
    ...plugins,
    logger: opts.logger,
    clock: systemClock,
    settings: {
      format: { sampleRate: audio.sampleRate, channels: audio.channels },
      buffer: { targetMs: audio.targetMs, maxMs: Math.max(audio.maxMs ?? defaultMaxMs(audio.targetMs), audio.targetMs + 20) },
      loop: { ...defaultPlayoutLoop, sinkTargetMs: audio.sinkTargetMs },
      once: opts.once,
    },
  });
  try {
    // Build the plugins first, so a factory's own error reaches the user unwrapped.
    container.resolve(Transport);
    container.resolve(AudioSink);
    const session = container.resolve(ListenSession);
    const result = await session.run(opts.signal);
    return { result, stats: session.stats.snapshot() };
  } finally {
    await container.dispose();
  }
}
