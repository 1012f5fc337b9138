/**
 * A stand-in for the `adb` program: a small executable script in a temp dir. It appends each
 * call's arguments (one JSON array per line) to calls.log, prints the scripted `adb devices`
 * output, and fails the calls whose arguments contain a scripted substring.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Failure {
  /** Substring of the space-joined arguments that selects the call. */
  readonly match: string;
  readonly stderr: string;
  readonly code?: number;
}

const SCRIPT = `
const fs = require("node:fs");
const path = require("node:path");
const args = process.argv.slice(2);
fs.appendFileSync(path.join(__dirname, "calls.log"), JSON.stringify(args) + "\\n");
const cfg = JSON.parse(fs.readFileSync(path.join(__dirname, "config.json"), "utf8"));
const joined = args.join(" ");
const failure = cfg.failures.find((f) => joined.includes(f.match));
if (failure) {
  process.stderr.write(failure.stderr + "\\n");
  process.exit(failure.code ?? 1);
}
if (args[0] === "devices") process.stdout.write(cfg.devices);
`;

export class AdbStandIn {
  readonly dir = mkdtempSync(join(tmpdir(), "phonemic-adb-"));
  /** Pass as `adbPath`. */
  readonly path = join(this.dir, "adb");
  private config: { devices: string; failures: Failure[] } = { devices: "List of devices attached\n", failures: [] };

  constructor(devices?: string) {
    writeFileSync(this.path, `#!${process.execPath}\n${SCRIPT}`);
    chmodSync(this.path, 0o755);
    if (devices !== undefined) this.devices(devices);
    else this.save();
  }

  /** Sets what `adb devices` prints. */
  devices(stdout: string): this {
    this.config.devices = stdout;
    return this.save();
  }

  /** Makes calls whose arguments contain `match` fail with `stderr`. */
  fail(match: string, stderr: string, code = 1): this {
    this.config.failures.push({ match, stderr, code });
    return this.save();
  }

  /** Every call so far, as argument arrays. */
  calls(): string[][] {
    const log = join(this.dir, "calls.log");
    if (!existsSync(log)) return [];
    return readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as string[]);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private save(): this {
    writeFileSync(join(this.dir, "config.json"), JSON.stringify(this.config));
    return this;
  }
}

/** `adb devices` output as adb prints it, daemon-start lines and all. */
export function devicesOutput(...lines: string[]): string {
  return ["* daemon not running; starting now at tcp:5037", "* daemon started successfully", "List of devices attached", ...lines, "", ""].join("\n");
}

/** A port with nothing listening on it. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
