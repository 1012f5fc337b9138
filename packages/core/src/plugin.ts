import type { AudioSink } from "./audio-sink.js";
import type { Clock } from "./clock.js";
import type { Logger } from "./logger.js";
import type { StandardSchemaV1 } from "./schema.js";
import type { Transport } from "./transport.js";

/** What core hands a plugin factory: only what plugins use. */
export interface PluginDeps {
  /** Where to say what happens. */
  readonly logger: Logger;
  /** Monotonic time. */
  readonly clock: Clock;
}

/** The two kinds of plugin and what each creates. */
export interface PluginProducts {
  transport: Transport;
  sink: AudioSink;
}
export type PluginKind = keyof PluginProducts;

/**
 * A plugin, described: the default export of a plugin package.
 *
 * @example
 * export default defineTransport({
 *   id: "my-link", description: "Audio over my link",
 *   options: z.object({ port: z.number().default(9000) }).strict(),
 *   create: (options, deps) => new MyTransport(options, deps),
 * });
 */
// `O` defaults to `any` so descriptors with different option types fit one registry.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface PluginDescriptor<K extends PluginKind = PluginKind, O = any> {
  /** Short unique id, used as `use` in the config ("wifi", "alsa"). */
  readonly id: string;
  /** What it creates. */
  readonly kind: K;
  /** One line for `phonemic plugins` and error messages. */
  readonly description: string;
  /** Validates the options object from the config (without its `use` key). */
  readonly options: StandardSchemaV1<unknown, O>;
  /** Builds the plugin from validated options. */
  readonly create: (options: O, deps: PluginDeps) => PluginProducts[K];
}

/** Declares a transport plugin (typing helper; returns its argument). */
export function defineTransport<O>(d: Omit<PluginDescriptor<"transport", O>, "kind">): PluginDescriptor<"transport", O> {
  return { ...d, kind: "transport" };
}

/** Declares a sink plugin (typing helper; returns its argument). */
export function defineSink<O>(d: Omit<PluginDescriptor<"sink", O>, "kind">): PluginDescriptor<"sink", O> {
  return { ...d, kind: "sink" };
}
