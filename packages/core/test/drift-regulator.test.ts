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
