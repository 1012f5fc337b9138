#!/usr/bin/env node
// Runs test/kernel/* inside a QEMU VM with Debian's stock kernel (snd-aloop, USB gadget,
// Bluetooth), which this host's kernel lacks. Usage:
//
//   node scripts/kernel/run.mjs [test-file-or-name ...]      (default: every test in test/kernel)
//
// A test is one file in test/kernel/ (.sh, .bash, .mjs/.js, or any executable; subdirectories
// hold helpers) whose first lines may declare   # modules: snd-aloop other_module   and
// # timeout: 120   (seconds, the default). docs/testing.md has the whole interface.
// Environment: KERNEL_TEST_SHELL=1 (shell in the guest after the tests; with no test named,
// just the shell), KERNEL_TEST_VERBOSE=1 (stream the guest console), KERNEL_TEST_ISOLATE=1
// (one boot per test), KERNEL_TEST_REBUILD=1, KERNEL_TEST_BOOT_TIMEOUT=120 (seconds allowed
// for boot and power-off on top of the tests' time-outs), KERNEL_TEST_QEMU_ARGS (extra QEMU
// arguments).
import * as fs from "node:fs";
import { join, relative, resolve, basename, extname } from "node:path";
import { ensureImage } from "./cache.mjs";
import { boot } from "./vm.mjs";

const repoDir = resolve(new URL("../..", import.meta.url).pathname);
const testDir = join(repoDir, "test/kernel");
const cacheDir = join(repoDir, ".cache/kernel");
const env = process.env;
const RUNNERS = { ".sh": "sh", ".bash": "bash", ".mjs": "node", ".js": "node", ".cjs": "node" };
const DEFAULT_TIMEOUT_S = 120;

/** A test's name, file (relative to the repo), runner, modules and time-out, read from its header. */
function describe(path) {
  const file = relative(repoDir, path);
  const name = basename(path, extname(path));
  if (file.startsWith("..")) throw new Error(`${path}: tests must live inside the repo, which is all the guest sees`);
  if (!/^[\w.-]+$/.test(name) || /\s/.test(file)) throw new Error(`${file}: use letters, digits, '.', '-' and '_' in test paths`);
  let runner = RUNNERS[extname(path)];
  if (!runner) {
    if (!(fs.statSync(path).mode & 0o111)) throw new Error(`${file}: not .sh/.bash/.mjs/.js and not executable`);
    runner = "exec";
  }
  const test = { name, file, runner, modules: [], timeoutS: DEFAULT_TIMEOUT_S };
  for (const line of fs.readFileSync(path, "utf8").split("\n").slice(0, 30)) {
    const m = line.match(/^\s*(?:#|\/\/)\s*(modules|timeout):\s*(.*?)\s*$/);
    if (m?.[1] === "modules") test.modules.push(...m[2].split(/[\s,]+/).filter(Boolean));
    if (m?.[1] === "timeout") test.timeoutS = Number(m[2]) || DEFAULT_TIMEOUT_S;
  }
  return test;
}

function findTests(args) {
  const all = fs.readdirSync(testDir, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith(".") && !/^readme/i.test(e.name)).map((e) => e.name).sort();
  if (args.length === 0) return flag("SHELL") ? [] : all.map((f) => join(testDir, f));
  return args.map((arg) => {
    if (fs.existsSync(arg) && fs.statSync(arg).isFile()) return resolve(arg);
    const hit = all.find((f) => f === arg || basename(f, extname(f)) === arg);
    if (!hit) throw new Error(`no test ${arg} in test/kernel (have: ${all.join(", ")})`);
    return join(testDir, hit);
  });
}

function newRunDir() {
  const runs = join(cacheDir, "runs");
  fs.mkdirSync(runs, { recursive: true });
  for (const old of fs.readdirSync(runs).sort().slice(0, -9)) fs.rmSync(join(runs, old), { recursive: true, force: true });
  const dir = join(runs, `${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`);
  fs.mkdirSync(dir);
  return dir;
}

const flag = (name) => env[`KERNEL_TEST_${name}`] === "1";
const say = (line) => console.log(`kernel: ${line}`);
const comment = (text) => text.replace(/\n$/, "").split("\n").map((l) => `# ${l}`).join("\n");

/** Boots once for `group`; prints each test's output and TAP line as the guest reports it. */
async function runGroup({ image, group, runRel, next, stats }) {
  const dir = join(repoDir, runRel);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(join(dir, "plan"), group.map((t) => [t.name, t.timeoutS, t.runner, t.file, ...t.modules].join(" ") + "\n").join(""));
  const timeoutMs = 1000 * (Number(env.KERNEL_TEST_BOOT_TIMEOUT || 120) + group.reduce((s, t) => s + t.timeoutS + 15, 0));
  say(`booting for ${group.map((t) => t.name).join(", ")} (host time-out ${timeoutMs / 1000} s)${flag("SHELL") ? "; shell at the end" : ""}`);

  const results = new Map();
  const report = (t, status, detail) => {
    results.set(t.name, status);
    const log = join(dir, `${t.name}.log`);
    if (!flag("VERBOSE") && fs.existsSync(log)) console.log(comment(fs.readFileSync(log, "utf8")));
    console.log(`${status === 0 ? "ok" : "not ok"} ${next()} - ${t.name}${detail ? ` # ${detail}` : ""}`);
  };
  const vm = await boot({
    image, repoDir, runRel, shell: flag("SHELL"), verbose: flag("VERBOSE"), consoleLog: join(dir, "console.log"), timeoutMs,
    extraArgs: env.KERNEL_TEST_QEMU_ARGS?.split(/\s+/).filter(Boolean),
    onMarker: ([what, name, status, secs], at) => {
      if (what === "ready") { stats.bootS.push(at); say(`guest up in ${at.toFixed(1)} s`); }
      if (what === "fail") say(`guest failed: ${[name, status, secs].join(" ")}`);
      const t = group.find((x) => x.name === name);
      if (what === "end" && t) report(t, Number(status), `exit ${status}, ${secs} s`);
    },
  });
  stats.vmS += vm.seconds;

  // The status files are the record; the markers only made the report live (none in shell mode).
  let lost = 0;
  for (const t of group.filter((x) => !results.has(x.name))) {
    const file = join(dir, `${t.name}.status`);
    if (fs.existsSync(file)) { report(t, Number(fs.readFileSync(file, "utf8")), ""); continue; }
    report(t, -1, vm.timedOut ? "guest hung: killed by the host time-out" : "guest never reported");
    lost++;
  }
  if (vm.timedOut || vm.exitCode !== 0 || lost) {
    say(`QEMU ${vm.timedOut ? "killed after the time-out" : `exited with ${vm.exitCode}`}; console since the last test began:`);
    console.log(comment(lastTestConsole(join(dir, "console.log"))));
  }
  return [...results.values()].filter((s) => s !== 0).length;
}

async function main() {
  const tests = findTests(process.argv.slice(2)).map(describe);
  const t0 = Date.now();
  const image = await ensureImage({ cacheDir, force: flag("REBUILD"), log: say });
  for (const t of tests) {
    const lacking = t.modules.filter((m) => !image.modules.has(m.replace(/-/g, "_")));
    if (lacking.length) throw new Error(`${t.file} needs ${lacking.join(", ")}, which the image lacks: add to TEST_MODULES in scripts/kernel/image.mjs`);
  }

  const runDir = newRunDir();
  const groups = flag("ISOLATE") ? tests.map((t) => [t]) : [tests];
  const stats = { bootS: [], vmS: 0 };
  let n = 0;
  let failed = 0;
  console.log(`1..${tests.length}`);
  for (const [i, group] of groups.entries()) {
    const runRel = relative(repoDir, runDir) + (groups.length > 1 ? `/boot${i}` : "");
    failed += await runGroup({ image, group, runRel, next: () => ++n, stats });
  }
  say(`${groups.length} boot(s), guest up in ${stats.bootS.map((s) => s.toFixed(1)).join("/") || "-"} s, VM time ${stats.vmS.toFixed(1)} s, ` +
    `image ${image.built ? `built in ${image.seconds.toFixed(1)} s` : "cached"}, total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  say(`logs in ${relative(repoDir, runDir)}`);
  console.log(`${tests.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

function lastTestConsole(path) {
  if (!fs.existsSync(path)) return "(no console output)";
  const text = fs.readFileSync(path, "utf8").replace(/\r/g, "");
  const lines = text.slice(Math.max(0, text.lastIndexOf("@@rig start"))).split("\n");
  return lines.length <= 40 ? lines.join("\n") : [...lines.slice(0, 20), "[…]", ...lines.slice(-20)].join("\n");
}

main().then((code) => process.exit(code), (err) => {
  console.error(`kernel: ${err.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
});
