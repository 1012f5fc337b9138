// Node, the repo's JS (through pnpm's symlinks) and its native addons load in the guest.
import { createRequire } from "node:module";
import { existsSync, readdirSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";

const repo = process.env.REPO ?? "/repo";
console.log(`node ${process.version} on Linux ${release()}`);

// The native Opus binding itself: @evan/opus falls back to WASM silently, so load node/ directly.
const require = createRequire(join(repo, "package.json"));
const opusDir = join(repo, "node_modules/.pnpm/node_modules/@evan/opus");
const opus = require(join(opusDir, "node/index.js"));
const pcm = new Int16Array(960 * 2).map((_, i) => Math.round(8000 * Math.sin(i / 20)));
const packet = new opus.Encoder({ channels: 2, sample_rate: 48000 }).encode(pcm);
const decoded = new opus.Decoder({ channels: 2, sample_rate: 48000 }).decode(packet);
if (decoded.length !== pcm.byteLength) throw new Error(`opus round trip gave ${decoded.length} bytes`);
console.log(`@evan/opus native: 20 ms -> ${packet.length} byte packet -> ${decoded.length} bytes`);

// Every addon the repo built (packages/*/build/Release/*.node).
let addons = 0;
for (const pkg of readdirSync(join(repo, "packages"))) {
  const dir = join(repo, "packages", pkg, "build/Release");
  if (!existsSync(dir)) continue;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".node"))) {
    const exports = require(join(dir, file));
    console.log(`${pkg}/build/Release/${file}: ${Object.keys(exports).join(", ") || "(no exports)"}`);
    addons++;
  }
}
console.log(`${addons} repo addon(s) loaded`);

// A workspace package through pnpm's relative symlinks, as the CLI would import it.
const core = createRequire(join(repo, "packages/cli/package.json")).resolve("@phonemic/core");
const exported = Object.keys(await import(core));
console.log(`@phonemic/core from packages/cli: ${exported.length} exports`);
