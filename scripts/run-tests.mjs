#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist/test/**/*.test.js) with node's test runner.
// Arguments narrow the run to packages by name, e.g. `node scripts/run-tests.mjs core cli`.
import { readdirSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const only = process.argv.slice(2);
const files = [];
function collect(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path);
    else if (name.endsWith(".test.js")) files.push(path);
  }
}
for (const pkg of readdirSync(join(root, "packages")).sort()) {
  if (only.length && !only.includes(pkg)) continue;
  const dir = join(root, "packages", pkg, "dist", "test");
  if (existsSync(dir)) collect(dir);
}
if (files.length === 0) {
  console.error("no compiled tests found: run `pnpm run build` first");
  process.exit(1);
}
const r = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);
