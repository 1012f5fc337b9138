/**
 * sendAndroidMic → AndroidMicTransport over real sockets, for every wire encoding, mono and
 * stereo, 44.1 and 48 kHz, TCP and UDP: the decoded samples must equal what was sent.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { bufferSource, toS16, type SampleEncoding } from "@phonemic/core";
import { sendAndroidMic } from "../src/androidmic/index.js";
import type { AndroidMicTransport } from "../src/androidmic/index.js";
import { lsbOf, makeTransport, RecordingSink, testSamples, type Recorded } from "./androidmic-helpers.js";

const encodings: SampleEncoding[] = ["u8", "s16", "s24", "s32", "f32"];
const FRAMES_MS = 60;
const PACKET_MS = 10;

/** The 16-bit samples carried by `packets`, in sequence order. */
function decoded(packets: Recorded[]): Int16Array {
  const ordered = [...packets].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  const parts = ordered.map((p) => {
    const out = new Int16Array(p.payload.length);
    return out.subarray(0, toS16(p.payload, p.format.encoding!, out));
  });
  const all = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

for (const via of ["tcp", "udp"] as const) {
  describe(`AndroidMic round trip over ${via.toUpperCase()}`, () => {
    let transport: AndroidMicTransport;
    let port: number;
    // TCP on IPv4, UDP on IPv6: both families get exercised.
    const host = via === "tcp" ? "127.0.0.1" : "::1";
    before(async () => {
      transport = makeTransport({ address: host, via }).transport;
      port = await transport.listen(AbortSignal.timeout(2000));
    });
    after(() => transport.dispose());

    for (const encoding of encodings) {
      for (const channels of [1, 2] as const) {
        for (const sampleRate of [44100, 48000]) {
          it(`${encoding}, ${channels} ch, ${sampleRate} Hz`, async () => {
            const frames = (sampleRate * FRAMES_MS) / 1000;
            const samples = testSamples(frames, channels);
            const sink = new RecordingSink();
            const opening = transport.open(sink, AbortSignal.timeout(3000));
            const source = bufferSource(samples, { sampleRate, channels });
            const sender = sendAndroidMic({ host, port, via, encoding, sampleRate, channels, source, packetMs: PACKET_MS });
            const session = await opening;
            const summary = await sender.done;
            assert.equal(summary.ended, "finished");
            assert.equal(summary.frames, frames);
            assert.equal(summary.packets, FRAMES_MS / PACKET_MS);
            await sink.until(() => sink.packets.length === summary.packets);
            if (via === "tcp") assert.equal((await session.ended).reason, "peer-ended");
            else await session.close();
            assert.equal((await session.ended).reason, via === "tcp" ? "peer-ended" : "closed");

            assert.deepEqual(sink.malformedReasons, []);
            for (const p of sink.packets) {
              assert.deepEqual(p.format, { codec: "pcm", encoding, sampleRate, channels });
              assert.equal(p.seq === undefined, via === "tcp");
            }
            if (via === "udp") assert.deepEqual(sink.packets.map((p) => p.seq).sort((a, b) => a! - b!), [0, 1, 2, 3, 4, 5]);
            const got = decoded(sink.packets);
            assert.equal(got.length, samples.length);
            const lsb = lsbOf(encoding);
            let worst = 0;
            for (let i = 0; i < samples.length; i++) worst = Math.max(worst, Math.abs(got[i]! - samples[i]!));
            if (encoding === "s16") assert.deepEqual(got, samples);
            else assert.ok(worst < lsb, `largest error ${worst} ≥ ${lsb}`);
          });
        }
      }
    }
  });
}
