/** The command's life cycle: the demo, and stopping cleanly on SIGINT / SIGTERM. */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseWav } from "@phonemic/core";
import { phonemic, run, tempDir, waitForStderr } from "./helpers.js";

test("`phonemic demo` needs nothing: streams speech, says where it went, prints stats", async () => {
  const dir = tempDir();
  const out = join(dir, "demo.wav");
  const r = await run(["demo", "--out", out, "--stats", "-"], { cwd: dir, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const stats = JSON.parse(r.stdout);
  assert.ok(stats.packetsReceived > 100, `${stats.packetsReceived} packets`);
  assert.equal(stats.packetsLost, 0);
  if (/record from hw:Loopback/.test(r.stderr)) return; // a loopback card took the audio
  assert.match(r.stderr, new RegExp(`the audio is in ${out.replace(/[.]/g, "\\.")}`));
  const wav = parseWav(readFileSync(out));
  assert.ok(wav.samples.length / 48000 > 5, "several seconds of speech");
  assert.ok(wav.samples.some((v) => Math.abs(v) > 3000), "not silence");
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  test(`${signal} while streaming: exit 0, the WAV file is complete and valid`, async () => {
    const dir = tempDir();
    const sender = phonemic(["send", "--protocol", "womic", "--host", "127.0.0.1", "--port", "0", "--tone", "440", "--duration", "30"]);
    const [, port] = await waitForStderr(sender.child, /listening on [^\s]*:(\d+)/);
    const out = join(dir, "out.wav");
    const config = join(dir, "phonemic.config.json");
    writeFileSync(config, JSON.stringify({ transport: { use: "wifi", protocol: "womic", host: "127.0.0.1", port: Number(port) }, sink: { use: "wav", path: out } }));
    const listener = phonemic(["listen", "--config", config, "--stats", join(dir, "stats.json")]);
    await waitForStderr(listener.child, /streaming from/);
    await new Promise((r) => setTimeout(r, 1500));
    listener.child.kill(signal);
    const r = await listener.done;
    sender.child.kill("SIGTERM");
    await sender.done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(dir, "stats.json")), "stats written on the way out");
    const bytes = readFileSync(out);
    const wav = parseWav(bytes);
    // The header's sizes agree with the file: every sample written is counted.
    assert.equal(bytes.readUInt32LE(40), bytes.length - 44);
    assert.equal(bytes.readUInt32LE(4), bytes.length - 8);
    assert.ok(wav.samples.length / 48000 >= 1, `${wav.samples.length} samples`);
    assert.ok(wav.samples.some((v) => Math.abs(v) > 3000), "the tone is in the file");
  });
}
