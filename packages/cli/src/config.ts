/**
 * The config file: found by cosmiconfig under the name "phonemic" (a "phonemic" key in
 * package.json, .phonemicrc[.json|.yaml|.yml|.js|.ts|.mjs|.cjs], phonemic.config.[js|ts|mjs|cjs])
 * or given with --config. Validated in two steps: the file's own shape here, then each plugin's
 * options by that plugin's schema. Any problem is one message naming the file and the key path.
 *
 *   { "transport": { "use": "wifi", "protocol": "womic", "host": "192.168.1.20" },
 *     "sink":      { "use": "alsa" },
 *     "audio":     { "sampleRate": 48000, "channels": 1, "targetMs": 40 } }
 */
import { cosmiconfig } from "cosmiconfig";
import { z } from "zod";
import { ErrorName, issuePath, PhonemicError, type PluginDescriptor, type PluginKind, type PluginRegistry } from "@phonemic/core";

const pluginSection = z.object({ use: z.string().min(1) }).passthrough();

export const configSchema = z
  .object({
    transport: pluginSection,
    sink: pluginSection.default({ use: "alsa" }),
    audio: z
      .object({
        sampleRate: z.number().int().min(8000).max(384000).default(48000),
        channels: z.number().int().min(1).max(2).default(1),
        targetMs: z.number().min(0).max(2000).default(40),
        maxMs: z.number().min(20).max(10000).optional(),
        sinkTargetMs: z.number().min(5).max(500).default(30),
      })
      .strict()
      .default({ sampleRate: 48000, channels: 1, targetMs: 40, sinkTargetMs: 30 }),
    verbose: z.boolean().default(false),
  })
  .strict();

export type PhonemicConfig = z.output<typeof configSchema>;

/** A config as read from disk, with where it came from. */
export interface LoadedConfig {
  readonly config: PhonemicConfig;
  /** The file it came from, for messages and for resolving plugin packages. */
  readonly filepath: string;
}

/** Reads and validates the config at `path`, or searches for one from `cwd`. */
export async function loadConfig(path: string | undefined, cwd = process.cwd()): Promise<LoadedConfig> {
  const explorer = cosmiconfig("phonemic");
  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  try {
    found = path ? await explorer.load(path) : await explorer.search(cwd);
  } catch (err) {
    throw configError(`cannot read config ${path ?? ""}: ${(err as Error).message.split("\n")[0]}`.replace("  ", " "), path);
  }
  if (!found) {
    throw new PhonemicError(ErrorName.Config, "no phonemic config found (looked for .phonemicrc*, phonemic.config.*, and a \"phonemic\" key in package.json)", {
      hint: 'Create .phonemicrc.json, e.g. { "transport": { "use": "wifi", "protocol": "womic", "host": "PHONE-IP" } },\nor pass --config FILE. `phonemic demo` runs without one.',
    });
  }
  if (found.isEmpty || found.config === undefined || found.config === null) throw configError(`${found.filepath}: the config is empty`, found.filepath);
  const parsed = configSchema.safeParse(found.config);
  if (!parsed.success) {
    throw configError(`${found.filepath}: ${parsed.error.issues.map((i) => describeIssue(i.path.join("."), i.message, i.code === "unrecognized_keys" ? (i as { keys?: string[] }).keys : undefined)).join("; ")}`, found.filepath);
  }
  return { config: parsed.data, filepath: found.filepath };
}

/** Validates one plugin section with the plugin's own schema; returns its options. */
export async function pluginOptions(registry: PluginRegistry, kind: PluginKind, section: { use: string }, filepath: string): Promise<{ descriptor: PluginDescriptor; options: unknown }> {
  let descriptor: PluginDescriptor;
  try {
    descriptor = await registry.resolve(section.use, kind);
  } catch (err) {
    const e = err as PhonemicError;
    throw new PhonemicError(e.name, `${filepath}: ${kind}.use: ${e.message}`, { hint: e.hint, cause: err });
  }
  const { use: _use, ...rest } = section;
  const result = await descriptor.options["~standard"].validate(rest);
  if (result.issues) {
    const keys = (i: (typeof result.issues)[number]) => (i as { keys?: string[] }).keys;
    throw configError(`${filepath}: ${result.issues.map((i) => describeIssue(issuePath(i, kind), i.message, keys(i))).join("; ")}`, filepath);
  }
  return { descriptor, options: result.value };
}

function describeIssue(path: string, message: string, unknownKeys?: string[]): string {
  if (unknownKeys?.length) return unknownKeys.map((k) => `unknown key "${path ? `${path}.${k}` : k}"`).join("; ");
  return `${path || "(top level)"}: ${message}`;
}

function configError(message: string, filepath?: string): PhonemicError {
  return new PhonemicError(ErrorName.Config, message, {
    hint: `Fix ${filepath ?? "the config"}; the README's "Configuration" section lists every key.`,
  });
}
