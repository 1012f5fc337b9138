/**
 * A stream whose format changes mid-stream (AndroidMic can switch encoding, rate and channels)
 * is followed: after the change the output is still the same tone at the sink's rate, not noise.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fromS16 } from "../src/audio/pcm.js";
import type { StreamFormat } from "../src/format.js";
import { Playout } from "../src/pipeline/playout.js";
import { SessionStats } from "../src/pipeline/stats.js";
import { FakeClock } from "./sim.js";

const HZ = 500;

/** 20 ms of a HZ tone in `format`, starting at stream time `t0` seconds, as wire bytes. */
function tonePacket(format: StreamFormat, t0: number): Uint8Array {
  const frames = format.sampleRate / 50;
  const samples = new Int16Array(frames * format.channels);
  for (let f = 0; f < frames; f++)
    for (let c = 0; c < format.channels; c++) samples[f * format.channels + c] = Math.round(10000 * Math.sin(2 * Math.PI * HZ * (t0 + f / format.sampleRate)));
  const bytes = new Uint8Array(samples.length * 4);
  return bytes.subarray(0, fromS16(samples, format.encoding!, bytes));
}

/** Zero crossings per second over `x` at `rate`, halved: the frequency of a clean tone. */
function frequency(x: Int16Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1]! < 0 !== x[i]! < 0) crossings++;
  return crossings / 2 / (x.length / rate);
}

test("s16 48 kHz mono, then f32 44.1 kHz stereo, then u8 16 kHz mono: the tone stays the tone", () => {
  const clock = new FakeClock();
  const stats = new SessionStats();
  const sinkRate = 48000;
  const playout = new Playout({ targetMs: 40, maxMs: 104, format: { sampleRate: sinkRate, channels: 1 } }, clock, stats);
  const formats: StreamFormat[] = [
    { codec: "pcm", encoding: "s16", sampleRate: 48000, channels: 1 },
    { codec: "pcm", encoding: "f32", sampleRate: 44100, channels: 2 },
    { codec: "pcm", encoding: "u8", sampleRate: 16000, channels: 1 },
  ];
  const out = new Int16Array(sinkRate * 6);
  const step = new Int16Array(480);
  let written = 0;
  let seq = 0;
  for (let ms = 0; ms < 6000; ms += 10) {
    if (ms % 20 === 0) {
      const format = formats[Math.floor(ms / 2000)]!;
      playout.receive({ format, payload: tonePacket(format, ms / 1000), seq: seq++ & 0xffff, arrivalMs: clock.t });
    }
    clock.t += 10;
    playout.pull(step, 480, 0);
    out.set(step, written);
    written += 480;
  }
  assert.equal(stats.packetsMalformed, 0);
  // One second inside each format's stretch (clear of the switches and the start-up).
  for (let part = 0; part < 3; part++) {
    const second = out.subarray((part * 2 + 0.5) * sinkRate, (part * 2 + 1.5) * sinkRate);
    const hz = frequency(second, sinkRate);
    assert.ok(Math.abs(hz - HZ) < 3, `${formats[part]!.encoding} ${formats[part]!.sampleRate} Hz: tone at ${hz} Hz`);
    const peak = second.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(peak > 8500 && peak < 11000, `${formats[part]!.encoding}: peak ${peak}`);
  }
});
