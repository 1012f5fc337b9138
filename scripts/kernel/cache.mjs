// Hands out the cached VM image, building it first when it is missing or stale. A lock
// directory keeps two runs in the same checkout from building at once.
import * as fs from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { buildImage, imageKey, imagePaths, kernelPackage } from "./image.mjs";

const HOST_TOOLS = { "qemu-system-x86_64": "qemu-system-x86", debootstrap: "debootstrap", busybox: "busybox-static", depmod: "kmod", mke2fs: "e2fsprogs" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

/** Installs missing host tools with apt when root; otherwise says which to install. */
function checkHostTools(needBuild, log) {
  const wanted = needBuild ? Object.keys(HOST_TOOLS) : ["qemu-system-x86_64"];
  const missing = [...new Set(wanted.filter((c) => !has(c)).map((c) => HOST_TOOLS[c]))];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing host tools: apt-get install ${missing.join(" ")}`);
  log(`installing ${missing.join(" ")}`);
  const r = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`apt-get install ${missing.join(" ")} failed`);
}

async function withLock(dir, log, fn) {
  const lock = join(dir, "lock");
  fs.mkdirSync(dir, { recursive: true });
  for (let waited = 0; ; waited++) {
    try { fs.mkdirSync(lock); break; } catch (err) { if (err.code !== "EEXIST") throw err; }
    let owner = 0;
    try { owner = Number(fs.readFileSync(join(lock, "pid"), "utf8")); } catch { /* being written */ }
    let alive = false;
    try { if (owner) { process.kill(owner, 0); alive = true; } } catch { /* gone */ }
    if (owner && !alive) { fs.rmSync(lock, { recursive: true, force: true }); continue; }
    if (waited === 0) log(`waiting for the image build of process ${owner || "?"}`);
    await sleep(2000);
  }
  fs.writeFileSync(join(lock, "pid"), String(process.pid));
  try { return await fn(); } finally { fs.rmSync(lock, { recursive: true, force: true }); }
}

/** The VM image for this checkout: { kernel, initrd, root, modules, built, seconds, stamp }. */
export async function ensureImage({ cacheDir, force, log }) {
  const paths = imagePaths(cacheDir);
  const readStamp = () => { try { return JSON.parse(fs.readFileSync(paths.stamp, "utf8")); } catch { return undefined; } };
  return withLock(cacheDir, log, () => {
    let stamp = readStamp();
    let kernel, key, unknown;
    try {
      kernel = kernelPackage();
      key = imageKey(kernel);
    } catch (err) {
      unknown = err;
      key = stamp?.key;
    }
    const fresh = !force && stamp?.key === key && fs.existsSync(paths.root) && fs.existsSync(paths.kernel);
    if (unknown && !fresh) throw unknown;
    if (unknown) log(`cannot tell which kernel apt offers (${unknown.message.split("\n")[0]}); using the cached image`);
    checkHostTools(!fresh, log);
    const started = Date.now();
    if (fresh) {
      log(`image cached (${stamp.kernel}, node ${stamp.node}, key ${key})`);
    } else {
      log(`building the VM image (${force ? "rebuild asked" : stamp ? "its inputs changed" : "none cached"}, key ${key})`);
      stamp = buildImage({ cacheDir, kernel, key, log: (l) => log(`  ${l}`) });
      log(`image built in ${((Date.now() - started) / 1000).toFixed(1)} s (root disk ${stamp.rootMiB} MiB)`);
    }
    const modules = new Set(stamp.modules.map((m) => m.replace(/-/g, "_")));
    return { ...paths, modules, built: !fresh, seconds: (Date.now() - started) / 1000, stamp };
  });
}
