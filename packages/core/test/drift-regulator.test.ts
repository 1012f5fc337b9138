/**
 * The regulator against a model buffer: the sender adds `driftPpm` of audio beyond what the
 * regulator's speed consumes, so each packet's wait follows wait' = drift − (speed − 1).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DriftRegulator } from "../src/pipeline/drift-regulator.js";
import { rng } from "./sim.js";

/** Runs `seconds` with a packet every 20 ms and a tick every 5 ms; `noise` adds to each wait. */
function run(reg: DriftRegulator, start: { waitMs: number; driftPpm: number }, seconds: number, noise = () => 0) {
  let waitMs = start.waitMs;
  const trace: number[] = [];
  reg.start(0);
  for (let t = 5; t <= seconds * 1000; t += 5) {
    waitMs += (start.driftPpm * 1e-6 - (reg.ratio - 1)) * 5;
    if (t % 20 === 0) reg.sample(waitMs + noise(), t);
    reg.tick(t);
    trace.push(waitMs);
  }
  return trace;
}

test("learns a steady clock difference and holds the wait on target", () => {
  for (const driftPpm of [500, -500, 3000]) {
    const reg = new DriftRegulator(40);
    const trace = run(reg, { waitMs: 40, driftPpm }, 300);
    assert.ok(Math.abs(reg.driftPpm - driftPpm) < 1, `${driftPpm}: estimated ${reg.driftPpm}`);
    assert.ok(Math.abs(trace.at(-1)! - 40) < 0.1, `${driftPpm}: wait ${trace.at(-1)}`);
    assert.ok(Math.max(...trace.map((w) => Math.abs(w - 40))) < 10, `${driftPpm}: strayed too far`);
  }
});

test("corrects at most 2 %, and changes speed by at most 0.5 % per second", () => {
  const reg = new DriftRegulator(40);
  const ratios: number[] = [];
  reg.start(0);
  for (let t = 5; t <= 20_000; t += 5) {
    if (t % 20 === 0) reg.sample(500, t);
    reg.tick(t);
    ratios.push(reg.ratio);
  }
  assert.equal(Math.max(...ratios), 1.02);
  const steps = ratios.slice(1).map((r, i) => Math.abs(r - ratios[i]!));
  assert.ok(Math.max(...steps) <= 0.005 * 0.005 + 1e-12, "0.5 %/s over a 5 ms tick");
});

test("a jolt of the level is caught up within seconds and not learned as drift", () => {
  const reg = new DriftRegulator(40);
  const trace = run(reg, { waitMs: 60, driftPpm: 0 }, 30);
  assert.ok(Math.abs(trace.at(-1)! - 40) < 1, `wait ${trace.at(-1)} after 30 s`);
  assert.ok(Math.abs(reg.driftPpm) < 1, `estimated ${reg.driftPpm} ppm`);
});

test("without drift, an offset within 8 ms is left alone: the speed stays exactly 1, the audio bit-exact", () => {
  for (const waitMs of [34, 46]) {
    const reg = new DriftRegulator(40);
    const random = rng(2);
    run(reg, { waitMs, driftPpm: 0 }, 120, () => (random() - 0.5) * 20);
    assert.equal(reg.ratio, 1, `${waitMs} ms`);
  }
});

test("an offset beyond 8 ms for two windows engages both terms: 10 ms off → 10/10000 + 10/4000", () => {
  const reg = new DriftRegulator(40);
  reg.start(0);
  for (let t = 5; t <= 1800; t += 5) {
    if (t % 20 === 0) reg.sample(50, t);
    reg.tick(t);
  }
  assert.equal(reg.ratio, 1, "one window is not enough");
  for (let t = 1805; t <= 2800; t += 5) {
    if (t % 20 === 0) reg.sample(50, t);
    reg.tick(t);
  }
  assert.ok(Math.abs(reg.ratio - 1 - 3500e-6) < 1e-9, `speed ${reg.ratio}`);
});

test("a stalled sink (no pull for over 100 ms) restarts the measurement", () => {
  const reg = new DriftRegulator(40);
  let waitMs = 40;
  reg.start(0);
  for (let t = 5; t <= 20_000; t += 5) {
    // Nothing is pulled from 5 s to 5.3 s: every packet waits 300 ms more from then on.
    if (t > 5000 && t < 5300) continue;
    if (t === 5300) waitMs += 300;
    waitMs -= (reg.ratio - 1) * 5;
    if (t % 20 === 0) reg.sample(waitMs, t);
    reg.tick(t);
  }
  assert.ok(Math.abs(reg.driftPpm) < 1, `estimated ${reg.driftPpm} ppm`);
  assert.ok(waitMs < 300, "and the excess is being caught up");
});

test("packets read late after a stall (their waits read short for over a window) are not taken for drift", () => {
  // What a slow machine does at 600 ms: the event loop stalls 272 ms, the sink runs dry for 80 ms
  // (every later wait is 80 ms longer), and for 1.5 s the listener reads packets late, catching
  // up on a backlog that was 600 ms long: their arrival times are that much late.
  const reg = new DriftRegulator(600);
  reg.start(0);
  let waitMs = 600;
  const stallEnd = 2272;
  let maxRatio = 1;
  for (let t = 5; t <= 30_000; t += 5) {
    if (t > 2000 && t < stallEnd) continue;
    if (t === stallEnd) waitMs += 80;
    waitMs -= (reg.ratio - 1) * 5;
    if (t % 20 === 0) {
      const readLateMs = t >= stallEnd ? Math.max(0, 600 * (1 - (t - stallEnd) / 1500)) : 0;
      reg.sample(waitMs - readLateMs, t);
    }
    reg.tick(t);
    maxRatio = Math.max(maxRatio, reg.ratio);
  }
  assert.ok(Math.abs(reg.driftPpm) < 20, `estimated ${reg.driftPpm} ppm`);
  assert.ok(Math.abs(waitMs - 600) < 10, `the 80 ms the sink lost are caught up (wait ${waitMs.toFixed(1)} ms)`);
  // Draining 80 ms needs a speed up, not the cap held for seconds on a phantom drift.
  assert.ok(maxRatio < 1.015, `fastest speed ${maxRatio}`);
});

test("a sender held up for over a second just after the start (its packets late, then in a burst) is jitter: the speed stays exactly 1", () => {
  // Shared clocks, so nothing to correct: for the first 1.2 s of playback every packet comes up
  // to 600 ms late (the lateness shrinking as the sender catches up), then all is on time.
  const reg = new DriftRegulator(600);
  reg.start(0);
  let maxOff = 0;
  for (let t = 5; t <= 30_000; t += 5) {
    if (t % 20 === 0) reg.sample(600 - Math.max(0, 600 * (1 - t / 1200)), t);
    reg.tick(t);
    maxOff = Math.max(maxOff, Math.abs(reg.ratio - 1));
  }
  assert.equal(maxOff, 0, "never resampled");
  assert.ok(Math.abs(reg.driftPpm) < 20, `estimated ${reg.driftPpm} ppm`);
});

test("a paced sink fed late (a 90 ms stall every 3 s, then one big pull) does not disturb the drift estimate: latency, not the wait, lies on the line", () => {
  // A sender 300 ppm fast. After each stall the packets pulled in the catch-up waited up to
  // 90 ms longer in the playout and wait that much less in the sink: heard at the same time.
  const reg = new DriftRegulator(600);
  reg.start(0);
  let waitMs = 600;
  const estimates: number[] = [];
  for (let t = 5; t <= 60_000; t += 5) {
    waitMs += (300e-6 - (reg.ratio - 1)) * 5;
    const sinceStall = t % 3000;
    if (sinceStall > 0 && sinceStall < 90) continue;
    if (t % 20 === 0) {
      const lateMs = sinceStall < 180 ? Math.max(0, 90 - (sinceStall - 90)) : 0;
      reg.sample(waitMs + lateMs, t, 230 - lateMs);
    }
    reg.tick(t);
    if (t % 1000 === 0 && t >= 10_000) estimates.push(reg.driftPpm);
  }
  const worst = Math.max(...estimates.map((e) => Math.abs(e - 300)));
  assert.ok(worst < 30, `estimates from 10 s on within ${worst.toFixed(1)} ppm of 300`);
  assert.ok(Math.abs(waitMs - 600) < 5, `wait ${waitMs.toFixed(1)} ms`);
});

test("a machine slow for the first seconds of a stream (every packet read a little late, less so each second) does not make the speed leave 1 while the stream is short", () => {
  // Shared clocks. For 6 s every packet is read 3 ms late at first, shrinking to on time: each
  // window's least-held packet looks 0.5 ms later than the last, a slope of 500 ppm.
  const reg = new DriftRegulator(600);
  reg.start(0);
  let maxOff = 0;
  for (let t = 5; t <= 9_000; t += 5) {
    if (t % 20 === 0) reg.sample(600 - Math.max(0, 3 * (1 - t / 6000)), t, 250);
    reg.tick(t);
    maxOff = Math.max(maxOff, Math.abs(reg.ratio - 1));
  }
  assert.equal(maxOff, 0, "never resampled");
});
