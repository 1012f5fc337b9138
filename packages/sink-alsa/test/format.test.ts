// Format negotiation: adapt to what the device allows, or say exactly why not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorName, isError, silentLogger } from "@phonemic/core";
import { AlsaSink } from "../src/index.js";
import { fakeBinding, loopbackCard, openCaps } from "./fake-binding.js";

const stereo48k = { sampleRate: 48000, channels: 2 };
const locked = (format: string, rate: number, channels: number) => ({
  s16le: format === "S16_LE",
  formats: [format],
  rateMin: rate,
  rateMax: rate,
  channelsMin: channels,
  channelsMax: channels,
});

test("a loopback locked at 44100 Hz mono is adopted, and the adaptation logged", async () => {
  const binding = fakeBinding({ cards: [loopbackCard], caps: { "hw:Loopback,0,0": locked("S16_LE", 44100, 1) } });
  const lines: string[] = [];
  const sink = new AlsaSink({}, { logger: { ...silentLogger, info: (m) => lines.push(m) }, binding });
  const info = await sink.open(stereo48k, AbortSignal.timeout(1000));
  assert.deepEqual(info.format, { sampleRate: 44100, channels: 1 });
  assert.equal(binding.opened[0]!.configured?.rate, 44100);
  assert.ok(lines.some((l) => /plays 44100 Hz, 1 ch rather than 48000 Hz, 2 ch/.test(l)), lines.join("\n"));
});

test("a loopback locked to 32-bit samples is refused, naming the capture side", async () => {
  const binding = fakeBinding({ cards: [loopbackCard], caps: { "hw:Loopback,0,0": locked("S32_LE", 44100, 2) } });
  const sink = new AlsaSink({}, { logger: silentLogger, binding });
  await assert.rejects(sink.open(stereo48k, AbortSignal.timeout(1000)), (err: Error & { hint?: string }) => {
    assert.ok(isError(err, ErrorName.Device));
    assert.match(err.message, /refused 48000 Hz, 2 channels, S16_LE/);
    assert.match(err.message, /allows only S32_LE at 44100 Hz, 2 channels/);
    assert.match(err.message, /capture side hw:Loopback,1,0 is already open at 44100 Hz, 2 channels/);
    assert.match(err.hint ?? "", /hw:Loopback,1,0/);
    return true;
  });
  assert.equal(binding.opened[0]!.closed, 1, "the refused PCM is closed again");
});

test("a device that needs six channels is refused", async () => {
  const caps = { ...openCaps, channelsMin: 6, channelsMax: 6 };
  const binding = fakeBinding({ caps: { surround: caps } });
  const sink = new AlsaSink({ device: "surround" }, { logger: silentLogger, binding });
  await assert.rejects(sink.open(stereo48k, AbortSignal.timeout(1000)), /phonemic plays 1 or 2 channels/);
});

test("period and buffer reach the device in microseconds", async () => {
  const binding = fakeBinding({ cards: [loopbackCard] });
  await new AlsaSink({}, { logger: silentLogger, binding }).open(stereo48k, AbortSignal.timeout(1000));
  await new AlsaSink({ periodMs: 20 }, { logger: silentLogger, binding }).open(stereo48k, AbortSignal.timeout(1000));
  assert.deepEqual(binding.opened.map((p) => [p.configured?.periodUs, p.configured?.bufferUs]), [
    [10000, 40000],
    [20000, 80000],
  ]);
});
