import { test } from "node:test";
import assert from "node:assert/strict";
import { JitterBuffer, seqDelta, type BufferedPacket } from "../src/pipeline/jitter-buffer.js";
import type { EncodedPacket } from "../src/transport.js";

const format = { codec: "pcm", encoding: "s16", sampleRate: 8000, channels: 1 } as const;
const packet = (seq: number): EncodedPacket => ({ format, payload: Uint8Array.of(seq & 0xff, seq >> 8), seq, arrivalMs: 0 });
const seqOf = (taken: BufferedPacket | "missing" | undefined) => (taken && taken !== "missing" ? taken.seq : taken);

test("seqDelta is signed distance modulo 65536", () => {
  assert.equal(seqDelta(0, 65535), 1);
  assert.equal(seqDelta(65535, 0), -1);
  assert.equal(seqDelta(100, 90), 10);
});

test("reorders within the window and reports a missing packet only when a later one is here", () => {
  const jb = new JitterBuffer();
  for (const seq of [10, 12, 11]) assert.equal(jb.insert(packet(seq), 160), "stored");
  assert.deepEqual([seqOf(jb.take()), seqOf(jb.take()), seqOf(jb.take())], [10, 11, 12]);
  assert.equal(jb.take(), undefined, "nothing buffered: not 'missing'");
  jb.insert(packet(15), 160);
  assert.equal(jb.holes, 2);
  assert.deepEqual([jb.take(), jb.take(), seqOf(jb.take())], ["missing", "missing", 15]);
});

test("wraps from 65535 to 0", () => {
  const jb = new JitterBuffer();
  for (const seq of [65534, 65535, 0, 1]) assert.equal(jb.insert(packet(seq), 160), "stored");
  assert.deepEqual([0, 1, 2, 3].map(() => seqOf(jb.take())), [65534, 65535, 0, 1]);
});

test("a second copy is a duplicate while buffered, a replay once played; a skipped turn's packet is late", () => {
  const jb = new JitterBuffer();
  jb.insert(packet(1), 160);
  assert.equal(jb.insert(packet(1), 160), "duplicate");
  jb.take();
  assert.equal(jb.insert(packet(1), 160), "replay");
  jb.skip();
  assert.equal(jb.insert(packet(2), 160), "late");
});

test("until the first take, a packet a little behind the head moves the head back", () => {
  const jb = new JitterBuffer();
  jb.insert(packet(101), 160);
  assert.equal(jb.insert(packet(100), 160), "stored");
  assert.equal(seqOf(jb.take()), 100);
});

test("a jump far behind or far ahead is a restart", () => {
  const jb = new JitterBuffer(256, 50);
  jb.insert(packet(1000), 160);
  jb.take();
  assert.equal(jb.insert(packet(900), 160), "restart");
  assert.equal(jb.insert(packet(1001 + 256), 160), "restart");
  assert.equal(jb.insert(packet(1001 + 255), 160), "stored");
});

test("counts buffered frames and forgets everything on reset", () => {
  const jb = new JitterBuffer();
  jb.insert(packet(5), 160);
  jb.insert(packet(6), 80);
  assert.equal(jb.bufferedFrames, 240);
  jb.reset();
  assert.equal(jb.size, 0);
  assert.equal(jb.bufferedFrames, 0);
  assert.equal(jb.insert(packet(3), 160), "stored", "the next packet opens a new stream");
});
