#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist/test/**/*.test.js) with node's test runner, then
// the kernel tests (test/kernel, in a QEMU VM: scripts/kernel/run.mjs), and ends with one line,
// `N passed, N failed`, counting both. The exit code is non-zero if anything failed.
// Arguments narrow the run: package names (`node scripts/run-tests.mjs core cli`), and `kernel`
// for the kernel tests; `--no-kernel` runs every package but not the kernel tests.
import { readdirSync, existsSync, statSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { spawn, spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const noKernel = args.includes("--no-kernel");
const only = args.filter((a) => !a.startsWith("--"));
const runKernel = !noKernel && (only.length === 0 || only.includes("kernel"));
const onlyPackages = only.filter((a) => a !== "kernel");
const runPackages = only.length === 0 || onlyPackages.length > 0;

const files = [];
function collect(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path);
    else if (name.endsWith(".test.js")) files.push(path);
  }
}

/** Node's test runner over the packages' compiled tests; its own report goes to stdout as usual. */
function packageTests() {
  for (const pkg of readdirSync(join(root, "packages")).sort()) {
    if (onlyPackages.length && !onlyPackages.includes(pkg)) continue;
    const dir = join(root, "packages", pkg, "dist", "test");
    if (existsSync(dir)) collect(dir);
  }
  if (files.length === 0) {
    console.error("no compiled tests found: run `pnpm run build` first");
    return { passed: 0, failed: 1 };
  }
  // A second, TAP reporter into a file gives the counts whatever the first one looks like.
  const tap = join(tmpdir(), `phonemic-tests-${process.pid}.tap`);
  const reporter = process.stdout.isTTY ? "spec" : "tap";
  const r = spawnSync(
    process.execPath,
    ["--test", "--test-concurrency=1", `--test-reporter=${reporter}`, "--test-reporter-destination=stdout", "--test-reporter=tap", `--test-reporter-destination=${tap}`, ...files],
    { stdio: "inherit" },
  );
  const text = existsSync(tap) ? readFileSync(tap, "utf8") : "";
  rmSync(tap, { force: true });
  const count = (what) => Number(text.match(new RegExp(`^# ${what} (\\d+)$`, "m"))?.[1] ?? 0);
  let passed = count("pass");
  let failed = count("fail") + count("cancelled");
  const skipped = count("skipped") + count("todo");
  // The runner itself failed (or died) without failing a test: count that as a failure.
  if (r.status !== 0 && failed === 0) failed = 1;
  console.log(`packages: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  return { passed, failed };
}

/** The kernel rig; its output is passed through, and its closing `N passed, N failed` read. */
function kernelTests() {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, "scripts/kernel/run.mjs")], { stdio: ["inherit", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      out += chunk;
    });
    child.on("close", (code) => {
      const last = [...out.matchAll(/^(\d+) passed, (\d+) failed$/gm)].pop();
      const counts = last ? { passed: Number(last[1]), failed: Number(last[2]) } : { passed: 0, failed: 1 };
      if (code !== 0 && counts.failed === 0) counts.failed = 1;
      console.log(`kernel: ${counts.passed} passed, ${counts.failed} failed`);
      resolve(counts);
    });
  });
}

const results = [];
if (runPackages) results.push(packageTests());
if (runKernel) results.push(await kernelTests());
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
