import { test } from "node:test";
import assert from "node:assert/strict";
import { Playout } from "../src/pipeline/playout.js";
import { SessionStats } from "../src/pipeline/stats.js";
import { FakeClock, pcm8k } from "./sim.js";

const format = { sampleRate: 8000, channels: 1 };

/** Sends packets `seqs` 20 ms apart from `fromMs`, pulling 5 ms at a time until `untilMs`. */
function stream(playout: Playout, clock: FakeClock, seqs: number[], fromMs: number, untilMs: number, end = true): Int16Array[] {
  const out: Int16Array[] = [];
  const payload = new Uint8Array(320);
  let next = 0;
  for (let t = fromMs; t < untilMs; t += 5) {
    clock.t = t;
    if (next < seqs.length && t >= fromMs + next * 20) {
      new Int16Array(payload.buffer).fill(1000 + seqs[next]!);
      playout.receive({ format: pcm8k, payload, seq: seqs[next]!, arrivalMs: t });
      if (++next === seqs.length && end) playout.endOfStream();
    }
    const chunk = new Int16Array(40);
    playout.pull(chunk, 40);
    out.push(chunk);
  }
  return out;
}

test("end of stream: what is buffered plays out, no underrun; the next stream pre-buffers afresh", () => {
  const clock = new FakeClock();
  const stats = new SessionStats();
  const playout = new Playout({ targetMs: 40, maxMs: 104, format }, clock, stats);
  const first = stream(playout, clock, [500, 501, 502, 503, 504], 0, 2000);
  assert.ok(playout.empty);
  assert.equal(first.flatMap((c) => [...c]).filter((v) => v === 1504).length, 160, "the last packet played in full");
  // The phone reconnects with a new session whose numbers start again at 0.
  const second = stream(playout, clock, [0, 1, 2, 3], 3000, 4000);
  const firstSoundAt = second.findIndex((c) => c.some((v) => v !== 0));
  assert.equal(firstSoundAt, 8, "40 ms of pre-buffering before the new stream");
  assert.equal(stats.underruns, 0);
  assert.equal(stats.streamRestarts, 0);
  assert.equal(stats.packetsLate, 0);
  assert.equal(stats.packetsConcealed, 0);
});

test("a stream that ends before the target is reached still plays what it sent", () => {
  const clock = new FakeClock();
  const stats = new SessionStats();
  const playout = new Playout({ targetMs: 40, maxMs: 104, format }, clock, stats);
  playout.receive({ format: pcm8k, payload: new Uint8Array(320).fill(1), seq: 9, arrivalMs: 0 });
  playout.endOfStream();
  const out = new Int16Array(400);
  playout.pull(out, 400);
  assert.equal(out.filter((v) => v !== 0).length, 160);
  assert.ok(playout.empty);
  assert.equal(stats.underruns, 0);
});
