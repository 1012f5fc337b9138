/**
 * The `adb` command-line tool, run as a child process. Every device command passes
 * `-s SERIAL`, so a second phone or an emulator never receives our tunnels.
 *
 *   reverse: phone 127.0.0.1:P ──adb──▶ PC 127.0.0.1:P   (the phone dials the PC: AndroidMic)
 *   forward: PC 127.0.0.1:L ──adb──▶ phone port R        (the PC dials the phone)
 */
import { execFile, execFileSync } from "node:child_process";
import { ErrorName, PhonemicError, throwIfAborted } from "@phonemic/core";
import { listDevices, parseAdbDevices, unusableDevice, type AdbDevice } from "./devices.js";

/** How long one adb command may take (starting the adb server takes a few seconds). */
const COMMAND_TIMEOUT_MS = 15_000;

/** Which tunnel `reverse` set up. */
export type TunnelKind = "reverse" | "forward";

export class Adb {
  /** The program run: `adbPath`, or "adb" looked up in PATH. */
  readonly program: string;

  constructor(adbPath?: string) {
    this.program = adbPath ?? "adb";
  }

  /**
   * Runs adb with `args`; resolves with its stdout. Rejects with UnreachableError when adb ran
   * and failed (its last line of output is the message), ResourceError when adb could not run
   * or hung, AbortError.
   */
  run(args: readonly string[], signal: AbortSignal): Promise<string> {
    throwIfAborted(signal);
    return new Promise((resolve, reject) => {
      execFile(this.program, args, { timeout: COMMAND_TIMEOUT_MS, signal, windowsHide: true }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        reject(this.failure(err, args, String(stderr || stdout)));
      });
    });
  }

  /** The devices adb sees, in every state. */
  async devices(signal: AbortSignal): Promise<AdbDevice[]> {
    return parseAdbDevices(await this.run(["devices"], signal));
  }

  /**
   * The phone to use: `serial` if given, else the only one in state "device". Rejects with
   * UnreachableError (none, not authorised, offline, no permission), ConfigError (several).
   */
  async pickDevice(serial: string | undefined, signal: AbortSignal): Promise<AdbDevice> {
    const all = await this.devices(signal);
    if (serial !== undefined) {
      const asked = all.find((d) => d.serial === serial);
      if (!asked) {
        const seen = all.length ? `adb sees ${listDevices(all)}` : "adb sees no phone";
        throw new PhonemicError(ErrorName.Unreachable, `phone ${serial} is not connected (${seen})`, {
          hint: "plug it in, or correct `serial` (`adb devices` lists the serials)",
        });
      }
      if (asked.state !== "device") throw unusableDevice(asked);
      return asked;
    }
    const usable = all.filter((d) => d.state === "device");
    if (usable.length === 1) return usable[0]!;
    if (usable.length > 1) {
      throw new PhonemicError(ErrorName.Config, `several phones are connected: ${listDevices(usable)}`, {
        hint: `set \`serial\` to the one to use, e.g. "serial": "${usable[0]!.serial}"`,
      });
    }
    if (all.length === 1) throw unusableDevice(all[0]!);
    if (all.length > 1) {
      throw new PhonemicError(ErrorName.Unreachable, `no phone is ready for adb: ${listDevices(all)}`, {
        hint: "unlock the phone and accept the USB debugging prompt, or replug it; `adb devices` shows the states",
      });
    }
    throw new PhonemicError(ErrorName.Unreachable, "adb sees no phone", {
      hint: "plug the phone in with a data cable and enable USB debugging (Settings → Developer options)",
    });
  }

  /**
   * Makes the phone's 127.0.0.1:`port` reach the PC's `port`, replacing a stale reverse.
   * When reverse fails and `fallbackToForward` is set, forwards the PC's `port` to the phone's
   * instead (only right for protocols where the phone listens). Rejects with UnreachableError.
   */
  async reverse(serial: string, port: number, fallbackToForward: boolean, signal: AbortSignal): Promise<TunnelKind> {
    const tcp = `tcp:${port}`;
    await this.run(["-s", serial, "reverse", "--remove", tcp], signal).catch((err: unknown) => {
      if ((err as Error).name !== ErrorName.Unreachable) throw err; // a stale reverse may well not exist
    });
    try {
      await this.run(["-s", serial, "reverse", tcp, tcp], signal);
      return "reverse";
    } catch (err) {
      if ((err as Error).name !== ErrorName.Unreachable) throw err;
      if (!fallbackToForward) {
        throw new PhonemicError(ErrorName.Unreachable, `cannot set up adb reverse on phone ${serial}: ${(err as Error).message}`, {
          hint:
            "the phone dials the PC, so this needs adb reverse, which fails over adb-over-TCP (wireless debugging)\n" +
            "on Android 8 and older: connect the phone with a USB cable, or use the wifi transport",
          cause: err,
        });
      }
      await this.forward(serial, port, port, signal);
      return "forward";
    }
  }

  /** Removes the reverse tunnel of `port`. */
  async removeReverse(serial: string, port: number, signal: AbortSignal): Promise<void> {
    await this.run(["-s", serial, "reverse", "--remove", `tcp:${port}`], signal);
  }

  /** Same, blocking: for the process's `exit` event, where nothing asynchronous runs. Never throws. */
  removeReverseSync(serial: string, port: number): void {
    try {
      execFileSync(this.program, ["-s", serial, "reverse", "--remove", `tcp:${port}`], { timeout: 3000, stdio: "ignore" });
    } catch {
      // Best effort while exiting: adb gone or the phone unplugged leaves nothing to remove.
    }
  }

  /** Makes the PC's 127.0.0.1:`local` reach the phone's `remote` (for apps where the phone listens). */
  async forward(serial: string, local: number, remote: number, signal: AbortSignal): Promise<void> {
    try {
      await this.run(["-s", serial, "forward", `tcp:${local}`, `tcp:${remote}`], signal);
    } catch (err) {
      if ((err as Error).name !== ErrorName.Unreachable) throw err;
      throw new PhonemicError(ErrorName.Unreachable, `cannot set up adb forward on phone ${serial}: ${(err as Error).message}`, {
        hint: "check that the phone is still connected (`adb devices`) and that no other program holds that port",
        cause: err,
      });
    }
  }

  /** Removes the forward of the PC's `local` port. */
  async removeForward(serial: string, local: number, signal: AbortSignal): Promise<void> {
    await this.run(["-s", serial, "forward", "--remove", `tcp:${local}`], signal);
  }

  private failure(err: Error & { code?: unknown; killed?: boolean }, args: readonly string[], output: string): PhonemicError {
    const command = `adb ${args.join(" ")}`;
    if (err.name === "AbortError") return new PhonemicError(ErrorName.Aborted, `${command} aborted`);
    if (err.code === "ENOENT") {
      const where = this.program === "adb" ? "in PATH" : `at ${this.program}`;
      return new PhonemicError(ErrorName.Resource, `adb was not found ${where}`, {
        hint: "install it (`sudo apt install adb`), or set `adbPath` to the adb program",
        cause: err,
      });
    }
    if (err.code === "EACCES") {
      return new PhonemicError(ErrorName.Resource, `cannot run ${this.program}: not executable`, { hint: "set `adbPath` to a working adb", cause: err });
    }
    if (err.killed) {
      return new PhonemicError(ErrorName.Resource, `${command} did not finish within ${COMMAND_TIMEOUT_MS / 1000} s`, {
        hint: "run `adb kill-server` and try again",
      });
    }
    const said = output.trim().split(/\r?\n/).filter(Boolean).at(-1) ?? `exit status ${String(err.code)}`;
    return new PhonemicError(ErrorName.Unreachable, `${command} failed: ${said}`, { cause: err });
  }
}
