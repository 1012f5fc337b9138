/**
 * AndroidMic end to end through the real CLI over 127.0.0.1: `phonemic send --protocol androidmic`
 * dials `phonemic listen`, over TCP and UDP, in every sample encoding, mono and stereo, at 44.1
 * and 48 kHz, into a WAV file.
 *
 * When the sink runs at the stream's rate and channel count, the received audio must equal the
 * sent audio exactly, after the same quantisation the wire encoding imposes (u8 keeps 8 bits).
 * When it must resample (44.1 kHz → 48 kHz), a tone must come through with SNR ≥ 40 dB.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fromS16, parseWav, toS16, wavHeader, type SampleEncoding } from "@phonemic/core";
import { mismatches } from "./e2e-tools.js";
import { phonemic, tempDir, waitForStderr } from "./helpers.js";

const SECONDS = 0.6;

/** A test signal: a different tone per channel, so swapped or dropped channels show. */
function signal(rate: number, channels: number): Int16Array {
  const frames = Math.round(SECONDS * rate);
  const out = new Int16Array(frames * channels);
  for (let f = 0; f < frames; f++)
    for (let c = 0; c < channels; c++) out[f * channels + c] = Math.round(12000 * Math.sin((2 * Math.PI * (440 + 220 * c) * f) / rate + 0.5));
  return out;
}

function writeWav(path: string, samples: Int16Array, rate: number, channels: number): void {
  writeFileSync(path, Buffer.concat([wavHeader({ sampleRate: rate, channels }, samples.byteLength), Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]));
}

/** What the receiver can at best reconstruct after the wire encoding. */
function quantised(samples: Int16Array, encoding: SampleEncoding): Int16Array {
  const bytes = new Uint8Array(samples.length * 4);
  const n = fromS16(samples, encoding, bytes);
  const back = new Int16Array(samples.length);
  toS16(bytes.subarray(0, n), encoding, back);
  return back;
}

interface Case {
  via: "tcp" | "udp";
  encoding: SampleEncoding;
  channels: number;
  rate: number;
  sinkRate: number;
}

async function roundTrip(c: Case): Promise<{ sent: Int16Array; received: Int16Array; stats: Record<string, number> }> {
  const dir = tempDir();
  const wavIn = join(dir, "in.wav");
  const sent = signal(c.rate, c.channels);
  writeWav(wavIn, sent, c.rate, c.channels);
  const out = join(dir, "out.wav");
  const config = join(dir, "phonemic.config.json");
  writeFileSync(
    config,
    JSON.stringify({
      transport: { use: "wifi", protocol: "androidmic", address: "127.0.0.1", port: 0, via: c.via, silenceTimeoutMs: 1000 },
      sink: { use: "wav", path: out },
      // A deep buffer: these tests check the audio, not timing on a loaded machine.
      audio: { sampleRate: c.sinkRate, channels: c.channels, targetMs: 300, maxMs: 3000 },
    }),
  );
  const statsPath = join(dir, "stats.json");
  // TCP: the phone's close ends the stream (--once). UDP has no close: run for a fixed time.
  const limit = c.via === "tcp" ? ["--once", "--duration", "15"] : ["--duration", String(SECONDS + 3)];
  const listener = phonemic(["listen", "--config", config, "--stats", statsPath, ...limit]);
  const [, port] = await waitForStderr(listener.child, /waiting for a phone on .*?port (\d+)/);
  const sender = phonemic(["send", "--protocol", "androidmic", "--via", c.via, "--host", "127.0.0.1", "--port", port!, "--wav", wavIn, "--format", c.encoding, "--rate", String(c.rate), "--channels", String(c.channels)]);
  const [s, l] = await Promise.all([sender.done, listener.done]);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(l.code, 0, l.stderr);
  const received = parseWav(readFileSync(out));
  assert.deepEqual(received.format, { sampleRate: c.sinkRate, channels: c.channels });
  return { sent, received: received.samples, stats: JSON.parse(readFileSync(statsPath, "utf8")) };
}

/**
 * `samples` without the silence around and inside the audio: runs of 32 or more all-zero frames,
 * and any zero run at either end (the test signal has no zero run longer than one frame).
 */
function withoutSilence(samples: Int16Array, channels: number): Int16Array {
  const out = new Int16Array(samples.length);
  const frames = samples.length / channels;
  let n = 0;
  let f = 0;
  while (f < frames) {
    let run = 0;
    while (f + run < frames && isZeroFrame(samples, f + run, channels)) run++;
    const keep = run === 0 ? 1 : run < 32 && f > 0 && f + run < frames ? run : 0;
    out.set(samples.subarray(f * channels, (f + keep) * channels), n);
    n += keep * channels;
    f += Math.max(run, 1);
  }
  return out.subarray(0, n);
}

function isZeroFrame(samples: Int16Array, frame: number, channels: number): boolean {
  for (let c = 0; c < channels; c++) if (samples[frame * channels + c] !== 0) return false;
  return true;
}

const encodings: SampleEncoding[] = ["u8", "s16", "s24", "s32", "f32"];

describe("AndroidMic through the CLI, sink at the stream's rate: bit-exact after wire quantisation", { concurrency: 2 }, () => {
  for (const via of ["tcp", "udp"] as const)
    for (const encoding of encodings)
      for (const channels of [1, 2])
        for (const rate of [44100, 48000]) {
          test(`${via} ${encoding} ${channels === 1 ? "mono" : "stereo"} ${rate} Hz`, async () => {
            const r = await roundTrip({ via, encoding, channels, rate, sinkRate: rate });
            const expected = quantised(r.sent, encoding);
            // Silence the receiver inserted (pre-buffering; an underrun on a loaded machine) is
            // not the sent audio: take it out, then every sample must match.
            const audio = withoutSilence(r.received, channels);
            // UDP never says the stream ended: the receiver fades out on concealment (≤ 100 ms)
            // after the last packet. Over TCP, nothing but the sent audio may come out.
            const extra = via === "udp" ? Math.round(rate * 0.1) * channels : 0;
            assert.ok(audio.length >= expected.length && audio.length <= expected.length + extra, `${audio.length} samples for ${expected.length} sent`);
            assert.equal(mismatches(audio, expected, 0), 0);
            assert.equal(r.stats.packetsLost, 0);
            assert.equal(r.stats.packetsMalformed, 0);
          });
        }
});

/** SNR in dB of `x` against the best-fitting sine at `hz` (amplitude and phase fitted). */
function toneSnrDb(x: Int16Array, hz: number, rate: number, channels: number, channel: number): number {
  let ss = 0, sc = 0, n = 0;
  const frames = x.length / channels;
  for (let f = 0; f < frames; f++) {
    const v = x[f * channels + channel]!;
    ss += v * Math.sin((2 * Math.PI * hz * f) / rate);
    sc += v * Math.cos((2 * Math.PI * hz * f) / rate);
    n++;
  }
  const a = (2 * ss) / n, b = (2 * sc) / n;
  let signalPower = 0, noise = 0;
  for (let f = 0; f < frames; f++) {
    const fit = a * Math.sin((2 * Math.PI * hz * f) / rate) + b * Math.cos((2 * Math.PI * hz * f) / rate);
    const v = x[f * channels + channel]!;
    signalPower += fit * fit;
    noise += (v - fit) ** 2;
  }
  return 10 * Math.log10(signalPower / noise);
}

describe("AndroidMic through the CLI, 44.1 kHz resampled to a 48 kHz sink: SNR ≥ 40 dB per channel", { concurrency: 2 }, () => {
  for (const via of ["tcp", "udp"] as const)
    for (const channels of [1, 2]) {
      test(`${via} s16 ${channels === 1 ? "mono" : "stereo"} 44100 → 48000 Hz`, async () => {
        const r = await roundTrip({ via, encoding: "s16", channels, rate: 44100, sinkRate: 48000 });
        // Cut out the tone: from the first loud frame, SECONDS long, minus the filter's edges.
        let first = 0;
        while (first < r.received.length && Math.abs(r.received[first]!) < 1000) first++;
        first -= first % channels;
        const tone = r.received.subarray(first + 480 * channels, first + Math.round((SECONDS * 48000 - 960) * channels));
        for (let c = 0; c < channels; c++) {
          const snr = toneSnrDb(tone, 440 + 220 * c, 48000, channels, c);
          assert.ok(snr >= 40, `channel ${c}: SNR ${snr.toFixed(1)} dB`);
        }
        assert.equal(r.stats.packetsLost, 0);
      });
    }
});
