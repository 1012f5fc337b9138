/**
 * The main job end to end through the real CLI over 127.0.0.1: `phonemic send --protocol womic`
 * streams speech, `phonemic listen` receives it into a WAV file (and into alsa-lib through a
 * `type file` PCM); the audio must equal a receiver-independent decode of the same packets.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseWav } from "@phonemic/core";
import { alignment, freeUdpPort, mismatches, referenceDecode, startTap } from "./e2e-tools.js";
import { phonemic, run, tempDir, waitForStderr } from "./helpers.js";

const SPEECH = "/usr/share/sounds/alsa/Front_Center.wav";

async function startSender(extra: string[]) {
  const sender = phonemic(["send", "--protocol", "womic", "--host", "127.0.0.1", "--port", "0", "--wav", SPEECH, ...extra]);
  const [, port] = await waitForStderr(sender.child, /listening on [^\s]*:(\d+)/);
  return { ...sender, port: Number(port) };
}

function writeConfig(dir: string, port: number, udpPort: number, sink: object): string {
  const path = join(dir, "phonemic.config.json");
  writeFileSync(path, JSON.stringify({ transport: { use: "wifi", protocol: "womic", host: "127.0.0.1", port, udpPort }, sink, audio: { targetMs: 300, maxMs: 3000 } }));
  return path;
}

async function listenOnce(config: string, dir: string, env?: NodeJS.ProcessEnv) {
  const statsPath = join(dir, "stats.json");
  const r = await run(["listen", "--config", config, "--once", "--stats", statsPath], { env, timeoutMs: 30_000 });
  return { ...r, stats: existsSync(statsPath) ? JSON.parse(readFileSync(statsPath, "utf8")) : undefined };
}

test("send + listen into a WAV: the audio equals the reference decode, nothing lost", { skip: !existsSync(SPEECH) && "alsa-utils' speech recordings are missing" }, async () => {
  const dir = tempDir();
  const udpPort = await freeUdpPort();
  const tap = await startTap(udpPort);
  const sender = await startSender(["--udp-to", `127.0.0.1:${tap.port}`]);
  const out = join(dir, "out.wav");
  const r = await listenOnce(writeConfig(dir, sender.port, udpPort, { use: "wav", path: out }), dir);
  await sender.done;
  tap.close();
  assert.equal(r.code, 0, r.stderr);
  const reference = referenceDecode(tap.datagrams);
  assert.ok(reference.length >= 68000, `the phone sent the whole recording (${reference.length} samples)`);
  const wav = parseWav(readFileSync(out));
  assert.deepEqual(wav.format, { sampleRate: 48000, channels: 1 });
  const offset = alignment(wav.samples, reference);
  assert.ok(offset >= 0, "the reference is found in the output");
  assert.ok(wav.samples.length >= offset + reference.length, "the whole stream was written");
  assert.equal(mismatches(wav.samples, reference, offset), 0);
  assert.equal(r.stats.packetsLost, 0);
  assert.equal(r.stats.packetsReceived, tap.datagrams.length);
  assert.equal(r.stats.framesWritten, wav.samples.length);
});

test("garbage and wrong-source datagrams mixed in: skipped and counted, audio intact", { skip: !existsSync(SPEECH) }, async () => {
  const dir = tempDir();
  const udpPort = await freeUdpPort();
  const { createSocket } = await import("node:dgram");
  const stranger = createSocket("udp4");
  await new Promise<void>((resolve) => stranger.bind(0, "127.0.0.2", resolve));
  let injected = 0;
  const tap = await startTap(udpPort, (n, t) => {
    if (n % 10 !== 0) return;
    injected += 3;
    t.inject(Buffer.from("not audio at all"));
    t.inject(Uint8Array.of(4, 0, 0, 99, 0, 1, 0, 0, 0, 0, 5, 0xf8)); // length disagrees with size
    stranger.send(Buffer.from(t.datagrams[n - 1]!), udpPort, "127.0.0.1"); // a real-looking packet from elsewhere
  });
  const sender = await startSender(["--udp-to", `127.0.0.1:${tap.port}`]);
  const out = join(dir, "out.wav");
  const r = await listenOnce(writeConfig(dir, sender.port, udpPort, { use: "wav", path: out }), dir);
  await sender.done;
  tap.close();
  stranger.close();
  assert.equal(r.code, 0, r.stderr);
  assert.ok(injected > 0);
  assert.equal(r.stats.packetsMalformed, injected);
  assert.equal(r.stats.packetsLost, 0);
  const reference = referenceDecode(tap.datagrams);
  const wav = parseWav(readFileSync(out));
  const offset = alignment(wav.samples, reference);
  assert.equal(mismatches(wav.samples, reference, offset), 0);
});

test("send + listen into alsa-lib (a `type file` PCM): the bytes reaching the file equal the reference", { skip: !existsSync(SPEECH) }, async () => {
  const dir = tempDir();
  const raw = join(dir, "out.raw");
  const conf = join(dir, "asound.conf");
  writeFileSync(conf, `pcm.phonemictest { type file slave.pcm "null" file "${raw}" format "raw" }\n`);
  const env = { ALSA_CONFIG_PATH: `/usr/share/alsa/alsa.conf:${conf}` };
  const udpPort = await freeUdpPort();
  const tap = await startTap(udpPort);
  const sender = await startSender(["--udp-to", `127.0.0.1:${tap.port}`]);
  const r = await listenOnce(writeConfig(dir, sender.port, udpPort, { use: "alsa", device: "phonemictest" }), dir, env);
  await sender.done;
  tap.close();
  assert.equal(r.code, 0, r.stderr);
  const bytes = readFileSync(raw);
  const samples = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
  const reference = referenceDecode(tap.datagrams);
  const offset = alignment(samples, reference);
  assert.ok(offset >= 0);
  assert.equal(mismatches(samples, reference, offset), 0);
  assert.equal(r.stats.packetsLost, 0);
});
