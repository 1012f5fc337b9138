#!/usr/bin/env node
// Cost of the main job: CPU seconds per minute of received audio and peak RSS of
// `phonemic listen`, receiving WO MIC from `phonemic send` on 127.0.0.1 in real time.
//   node scripts/bench/listen.mjs [seconds=30] [sink=null|wav]
// The sender runs in its own process, so only the receiver is measured. Run `pnpm run build` first.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const seconds = Number(process.argv[2] ?? 30);
const sinkKind = process.argv[3] ?? "null";
const root = new URL("../..", import.meta.url).pathname;
const main = join(root, "packages/cli/dist/src/main.js");
const dir = mkdtempSync(join(tmpdir(), "phonemic-bench-"));
const speech = "/usr/share/sounds/alsa/Front_Center.wav";

function waitFor(child, pattern) {
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stderr.on("data", (d) => {
      seen += d;
      const m = seen.match(pattern);
      if (m) resolve(m);
    });
    child.on("exit", () => reject(new Error(`exited before ${pattern}: ${seen}`)));
  });
}

const sender = spawn(process.execPath, [main, "send", "--protocol", "womic", "--host", "127.0.0.1", "--port", "0", "--tone", "440", "--duration", String(seconds)], { stdio: ["ignore", "ignore", "pipe"] });
const [, port] = await waitFor(sender, /listening on [^\s]*:(\d+)/);
const sink = sinkKind === "wav" ? { use: "wav", path: join(dir, "out.wav") } : { use: "null" };
const config = join(dir, "phonemic.config.json");
writeFileSync(config, JSON.stringify({ transport: { use: "wifi", protocol: "womic", host: "127.0.0.1", port: Number(port) }, sink }));
const measureOut = join(dir, "measure.json");
const statsOut = join(dir, "stats.json");
const listener = spawn(process.execPath, [join(root, "scripts/bench/measure.mjs"), "listen", "--config", config, "--once", "--stats", statsOut], {
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...process.env, PHONEMIC_MEASURE_OUT: measureOut },
});
const code = await new Promise((resolve) => listener.on("exit", resolve));
sender.kill();
const m = JSON.parse(readFileSync(measureOut, "utf8"));
const stats = JSON.parse(readFileSync(statsOut, "utf8"));
const audioMinutes = stats.framesWritten / stats.sampleRate / 60;
const result = {
  exitCode: code,
  sink: sinkKind,
  audioSeconds: +(audioMinutes * 60).toFixed(1),
  cpuSecondsPerAudioMinute: +(m.cpuSeconds / audioMinutes).toFixed(3),
  peakRssMb: +m.peakRssMb.toFixed(1),
  packetsReceived: stats.packetsReceived,
  packetsLost: stats.packetsLost,
  underruns: stats.underruns,
  latencyMs: stats.latencyMs,
};
console.log(JSON.stringify(result, null, 2));
