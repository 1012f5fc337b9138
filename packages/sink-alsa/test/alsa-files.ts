/**
 * Stand-in devices for a machine without a sound card: alsa-lib's `file` plugin over its
 * `null` PCM writes every frame it is given to a file, so tests can compare bytes exactly.
 * The null PCM does not pace time, so these tests check bytes and promptness, not timing.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FileDevices {
  /** Value for ALSA_CONFIG_PATH: the system config plus ours. */
  readonly configPath: string;
  /** PCM name → file its frames land in. */
  readonly files: Record<string, string>;
}

/** Writes a config defining one file-backed PCM per name. */
export function fileDevices(names: readonly string[]): FileDevices {
  const dir = mkdtempSync(join(tmpdir(), "phonemic-alsa-"));
  const files: Record<string, string> = {};
  const lines = names.map((name) => {
    files[name] = join(dir, `${name}.raw`);
    return `pcm.${name} { type file slave.pcm "null" file "${files[name]}" format "raw" }`;
  });
  const conf = join(dir, "test.conf");
  writeFileSync(conf, lines.join("\n") + "\n");
  return { configPath: `/usr/share/alsa/alsa.conf:${conf}`, files };
}

/** A stereo ramp that never repeats within 32768 samples, so a lost or doubled frame shows. */
export function ramp(frames: number, channels = 2): Int16Array {
  const samples = new Int16Array(frames * channels);
  for (let i = 0; i < samples.length; i++) samples[i] = (i % 65536) - 32768;
  return samples;
}

/** Writes all of `samples`, yielding to the event loop whenever the sink's queue is full. */
export async function writeAll(
  sink: { write(frames: Int16Array): number },
  samples: Int16Array,
  channels: number,
  chunkFrames: number,
): Promise<void> {
  let offset = 0;
  while (offset < samples.length) {
    const chunk = samples.subarray(offset, Math.min(samples.length, offset + chunkFrames * channels));
    const taken = sink.write(chunk);
    offset += taken * channels;
    if (taken * channels < chunk.length) await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
