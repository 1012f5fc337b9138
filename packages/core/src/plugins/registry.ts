/**
 * Finds plugins by the name a config gives in `use`: a built-in id ("wifi", "alsa", …) or an npm
 * package name whose default export is a plugin descriptor. Nothing registers itself at import
 * time: the registry imports what the config names and checks the descriptor's shape.
 */
import { ErrorName, PhonemicError } from "../errors.js";
import type { PluginDescriptor, PluginKind } from "../plugin.js";
import { nullSinkPlugin, wavSinkPlugin } from "../sinks/wav-sink.js";

/** Built-in ids and the package that provides each. */
export const builtinPackages: Readonly<Record<string, string>> = {
  wifi: "@phonemic/transport-wifi",
  usb: "@phonemic/transport-usb",
  bluetooth: "@phonemic/transport-bluetooth",
  alsa: "@phonemic/sink-alsa",
};

/** Loads a module by specifier from the application's point of view. */
export type Importer = (specifier: string) => Promise<unknown>;

export class PluginRegistry {
  private readonly byId = new Map<string, { descriptor: PluginDescriptor; source: string }>();

  constructor(private readonly importer: Importer) {
    this.register(wavSinkPlugin, "@phonemic/core");
    this.register(nullSinkPlugin, "@phonemic/core");
  }

  /** Adds a descriptor; refuses a second, different plugin with the same id. */
  register(descriptor: PluginDescriptor, source: string): void {
    const held = this.byId.get(descriptor.id);
    if (held && held.descriptor !== descriptor) {
      throw new PhonemicError(ErrorName.Plugin, `two plugins share the id "${descriptor.id}": ${held.source} and ${source}`, {
        hint: "Uninstall one of them, or name the package itself in `use`.",
      });
    }
    this.byId.set(descriptor.id, { descriptor, source });
  }

  /** The plugin of `kind` named by `use`, imported and validated. */
  async resolve<K extends PluginKind>(use: string, kind: K): Promise<PluginDescriptor<K>> {
    const known = this.byId.get(use);
    if (known) return checkKind(known.descriptor, use, kind);
    const specifier = builtinPackages[use] ?? use;
    let mod: unknown;
    try {
      mod = await this.importer(specifier);
    } catch (err) {
      const builtin = use in builtinPackages;
      throw new PhonemicError(ErrorName.Plugin, `cannot load the ${kind} plugin "${use}" (${(err as Error).message.split("\n")[0]})`, {
        hint: builtin
          ? `Reinstall phonemic: its package ${specifier} is missing or broken.`
          : `Install it (npm install ${use}) or use a built-in id: ${[...Object.keys(builtinPackages), "wav", "null"].join(", ")}.`,
        cause: err,
      });
    }
    const descriptor = validateDescriptor((mod as { default?: unknown }).default ?? mod, specifier);
    this.register(descriptor, specifier);
    return checkKind(descriptor, use, kind);
  }
}

/** Checks that `value` has the shape of a plugin descriptor; names what is wrong. */
export function validateDescriptor(value: unknown, source: string): PluginDescriptor {
  const d = value as Partial<PluginDescriptor> | undefined;
  const problems: string[] = [];
  if (!d || typeof d !== "object") problems.push("its default export is not an object");
  else {
    if (typeof d.id !== "string" || !/^[a-z0-9][a-z0-9@/._-]*$/.test(d.id)) problems.push("`id` is not a lower-case name");
    if (d.kind !== "transport" && d.kind !== "sink") problems.push('`kind` is not "transport" or "sink"');
    if (typeof d.create !== "function") problems.push("`create` is not a function");
    if (typeof d.options?.["~standard"]?.validate !== "function") problems.push("`options` is not a Standard Schema (zod, valibot, arktype …)");
  }
  if (problems.length) {
    throw new PhonemicError(ErrorName.Plugin, `${source} is not a phonemic plugin: ${problems.join("; ")}`, {
      hint: "A plugin's default export comes from defineTransport() or defineSink() in @phonemic/core.",
    });
  }
  return d as PluginDescriptor;
}

function checkKind<K extends PluginKind>(d: PluginDescriptor, use: string, kind: K): PluginDescriptor<K> {
  if (d.kind !== kind) {
    throw new PhonemicError(ErrorName.Plugin, `"${use}" is a ${d.kind} plugin, but it is named as the ${kind}`, {
      hint: `Move it to the "${d.kind}" section of the config.`,
    });
  }
  return d as PluginDescriptor<K>;
}
