/**
 * Clock drift for two simulated hours: the sender's clock 500 ppm fast or slow against the
 * device's. Latency must stay on target, nothing dropped, and the estimate must find the truth.
 * 4 kHz mono PCM and 10 ms pulls keep two hours of audio to a few seconds of CPU.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { latencyRange, simulate } from "./sim.js";

const pcm4k = { codec: "pcm", encoding: "s16", sampleRate: 4000, channels: 1 } as const;
const twoHoursMs = 2 * 3600 * 1000;

for (const skewPpm of [500, -500]) {
  test(`sender clock ${skewPpm > 0 ? "+" : ""}${skewPpm} ppm for 2 hours: latency within target ± 10 ms, no drops, drift found`, () => {
    const r = simulate({ durationMs: twoHoursMs, skewPpm, stream: pcm4k, pullMs: 10 });
    const s = r.stats.snapshot();
    const [lowMs, highMs] = latencyRange(r.stats);
    assert.ok(lowMs >= 30 && highMs <= 50, `latency ${lowMs}–${highMs} ms`);
    assert.equal(s.overflowDrops, 0);
    assert.equal(s.staleDrops, 0);
    assert.equal(s.underruns, 0);
    assert.equal(s.packetsConcealed, 0);
    assert.ok(Math.abs(s.driftPpm - skewPpm) < 50, `estimated ${s.driftPpm} ppm`);
  });
}

test("no drift: the speed stays at 1 and the estimate at 0", () => {
  const r = simulate({ durationMs: 600_000, stream: pcm4k, pullMs: 10 });
  assert.equal(r.stats.snapshot().driftPpm, 0);
  assert.equal(r.playout.driftRatio, 1);
});

test("0.5 % drift (the worst phones): settles within a minute and stays on target", () => {
  const waits: number[] = [];
  const r = simulate({
    durationMs: 600_000,
    skewPpm: 5000,
    stream: pcm4k,
    pullMs: 10,
    probe: (t, _out, playout) => {
      if (t % 1000 === 0 && t > 60_000) waits.push(playout.levelMs());
    },
  });
  const s = r.stats.snapshot();
  assert.equal(s.overflowDrops, 0);
  assert.ok(Math.abs(s.driftPpm - 5000) < 50, `estimated ${s.driftPpm} ppm`);
  assert.ok(Math.abs(s.latencyMs.p50 - 40) <= 1, `p50 ${s.latencyMs.p50}`);
  assert.ok(Math.max(...waits) <= 40 + 20 + 5, `buffered up to ${Math.max(...waits)} ms after the first minute`);
});
