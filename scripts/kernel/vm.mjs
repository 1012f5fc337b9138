// Boots the test VM once and reports what its console says. QEMU always ends: the guest
// powers itself off, a kernel panic reboots (and -no-reboot turns that into an exit), and
// a host-side time-out kills QEMU if the guest hangs.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";

const opt = (value) => value.replace(/,/g, ",,"); // QEMU's escape inside -drive/-virtfs

/**
 * Boots `image` with the repo at `repoDir` shared as /repo, running the plan in `runRel`.
 * `onMarker(words, seconds)` gets each `@@rig …` console line, `seconds` since QEMU started.
 * `extraArgs` go to QEMU last. Resolves to { exitCode, timedOut, seconds }.
 */
export function boot({ image, repoDir, runRel, consoleLog, timeoutMs, shell = false, verbose = false, extraArgs = [], onMarker }) {
  const append = ["console=ttyS0", "panic=-1", "quiet", "loglevel=4", "mitigations=off", `rig.run=${runRel}`];
  if (shell) append.push("rig.shell=1");
  const args = [
    "-accel", "tcg", "-cpu", "max", "-smp", "2", "-m", "2048",
    "-nographic", "-nodefaults", "-no-user-config", "-no-reboot", "-serial", "mon:stdio",
    "-kernel", image.kernel, "-initrd", image.initrd, "-append", append.join(" "),
    "-drive", `file=${opt(image.root)},if=virtio,format=raw,snapshot=on`,
    "-virtfs", `local,path=${opt(repoDir)},mount_tag=repo,security_model=none,id=repo`,
    ...extraArgs,
  ];
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  const log = createWriteStream(consoleLog);
  const qemu = spawn("qemu-system-x86_64", args, { stdio: shell ? "inherit" : ["ignore", "pipe", "pipe"] });
  let timedOut = false;
  const timer = shell ? undefined : setTimeout(() => { timedOut = true; qemu.kill("SIGKILL"); }, timeoutMs);
  const interrupted = (signal) => { qemu.kill("SIGKILL"); process.exit(signal === "SIGINT" ? 130 : 143); };
  process.once("SIGINT", interrupted).once("SIGTERM", interrupted);

  let partial = "";
  qemu.stdout?.on("data", (chunk) => {
    const text = chunk.toString("utf8");
    log.write(text);
    if (verbose) process.stdout.write(text);
    const lines = (partial + text).split(/\r?\n/);
    partial = lines.pop();
    for (const line of lines) {
      const at = line.indexOf("@@rig ");
      if (at >= 0) onMarker(line.slice(at + 6).trim().split(/\s+/), seconds());
    }
  });
  qemu.stderr?.on("data", (chunk) => { log.write(chunk); process.stderr.write(chunk); });

  return new Promise((resolve, reject) => {
    qemu.on("error", (err) => { clearTimeout(timer); reject(err); });
    qemu.on("close", (exitCode) => {
      clearTimeout(timer);
      process.off("SIGINT", interrupted).off("SIGTERM", interrupted);
      log.end(() => resolve({ exitCode, timedOut, seconds: seconds() }));
    });
  });
}
