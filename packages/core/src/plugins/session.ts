/**
 * One DI container per listening run. The composition root (the CLI) creates it from the
 * resolved plugins, resolves a `ListenSession` from it, runs it, and disposes the container.
 * Plugins never see the container: core calls their factories with narrow `PluginDeps`.
 */
import "reflect-metadata";
import { container as rootContainer, inject, injectable, instanceCachingFactory, type DependencyContainer } from "tsyringe";
import { AudioSink } from "../audio-sink.js";
import { Clock } from "../clock.js";
import { Logger } from "../logger.js";
import type { PcmFormat } from "../format.js";
import type { PluginDeps, PluginDescriptor } from "../plugin.js";
import { listen, type ListenResult } from "../pipeline/listener.js";
import type { PlayoutOptions } from "../pipeline/playout.js";
import type { PlayoutLoopOptions } from "../pipeline/playout-loop.js";
import { SessionStats } from "../pipeline/stats.js";
import { Transport } from "../transport.js";

/** A plugin chosen by the config, with its validated options. */
export interface ChosenPlugin<K extends "transport" | "sink"> {
  readonly descriptor: PluginDescriptor<K>;
  readonly options: unknown;
}

/** The run's settings (everything that is not a plugin). */
export interface ListenSettings {
  readonly format: PcmFormat;
  readonly buffer: Omit<PlayoutOptions, "format">;
  readonly loop?: PlayoutLoopOptions;
  readonly once: boolean;
  readonly backoffMs?: readonly number[];
}
export const ListenSettings = Symbol.for("phonemic.ListenSettings");

/** What a session container is built from. */
export interface SessionWiring {
  readonly transport: ChosenPlugin<"transport">;
  readonly sink: ChosenPlugin<"sink">;
  readonly settings: ListenSettings;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** A child container holding one run's transport, sink, stats and settings. */
export function createSessionContainer(wiring: SessionWiring, parent: DependencyContainer = rootContainer): DependencyContainer {
  const c = parent.createChildContainer();
  const deps = (r: DependencyContainer): PluginDeps => ({ logger: r.resolve<Logger>(Logger), clock: r.resolve<Clock>(Clock) });
  c.register(Logger, { useValue: wiring.logger });
  c.register(Clock, { useValue: wiring.clock });
  c.register(SessionStats, { useValue: new SessionStats() });
  c.register(ListenSettings, { useValue: wiring.settings });
  c.register(Transport, { useFactory: instanceCachingFactory((r) => wiring.transport.descriptor.create(wiring.transport.options, deps(r))) });
  c.register(AudioSink, { useFactory: instanceCachingFactory((r) => wiring.sink.descriptor.create(wiring.sink.options, deps(r))) });
  return c;
}

/** One listening run, as the container wires it. */
@injectable()
export class ListenSession {
  constructor(
    @inject(Transport) private readonly transport: Transport,
    @inject(AudioSink) private readonly sink: AudioSink,
    @inject(Clock) private readonly clock: Clock,
    @inject(Logger) private readonly logger: Logger,
    @inject(SessionStats) readonly stats: SessionStats,
    @inject(ListenSettings) private readonly settings: ListenSettings,
  ) {}

  /** Runs until the signal aborts (or, with `once`, the stream ends). */
  run(signal: AbortSignal): Promise<ListenResult> {
    const { transport, sink, clock, logger, stats, settings } = this;
    return listen({ transport, sink, clock, logger, stats, signal, ...settings });
  }
}
