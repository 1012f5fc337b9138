import { test } from "node:test";
import assert from "node:assert/strict";
import { ImpairPlan, HELD_TIMEOUT_MS } from "../src/impair/plan.js";
import { DeliveryQueue } from "../src/impair/queue.js";
import { mulberry32 } from "../src/impair/prng.js";
import { impairOptionsSchema, type ImpairOptionsInput, type ImpairSettings } from "../src/impair/options.js";
import { simulateImpairment as simulate } from "../src/impair/simulate.js";

function settings(partial: Omit<ImpairOptionsInput, "target">): ImpairSettings {
  return impairOptionsSchema.parse({ target: "127.0.0.1:9", ...partial });
}

/** `n` arrival times `spacingMs` apart, from 0. */
function evenly(n: number, spacingMs = 20): number[] {
  return Array.from({ length: n }, (_, i) => i * spacingMs);
}

/** Lengths of the runs of consecutive indices in a sorted list. */
function runLengths(sorted: number[]): number[] {
  const runs: number[] = [];
  sorted.forEach((v, i) => (i > 0 && v === sorted[i - 1]! + 1 ? runs[runs.length - 1]!++ : runs.push(1)));
  return runs;
}

test("mulberry32 is deterministic, seed-dependent and uniform", () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const c = mulberry32(43);
  const xs = Array.from({ length: 10_000 }, () => a());
  assert.deepEqual(Array.from({ length: 10_000 }, () => b()), xs);
  assert.notEqual(c(), xs[0]);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
});

test("seed 42, 10 % loss in bursts of 3: the pinned drop list", () => {
  const { plan } = simulate(settings({ lossPercent: 10, burstLength: 3, seed: 42 }), evenly(100));
  // Pinned once; a change here means every recorded test scenario changes too.
  assert.deepEqual(plan.dropped.list(), GOLDEN_DROPS_SEED_42);
});

test("burst loss keeps its long-run rate and drops whole bursts", () => {
  for (const [lossPercent, burstLength] of [[10, 3], [5, 1], [25, 4], [2, 10]] as const) {
    const { plan } = simulate(settings({ lossPercent, burstLength, seed: 7 }), evenly(100_000, 1));
    const share = (100 * plan.dropped.total) / plan.received;
    assert.ok(Math.abs(share - lossPercent) < lossPercent * 0.06 + 0.1, `loss ${lossPercent}/${burstLength}: ${share} %`);
    // Bursts can touch, so a run of losses is a whole number of bursts, never a fragment.
    // The log keeps the latest 4096 drops; its first run may be cut, so skip it.
    const runs = runLengths(plan.dropped.list()).slice(1);
    assert.ok(runs.every((r) => r % burstLength === 0), `runs ${runs}`);
    if (burstLength > 1) assert.ok(runs.includes(burstLength));
  }
});

test("0 % and 100 % loss", () => {
  assert.equal(simulate(settings({ lossPercent: 0, seed: 1 }), evenly(1000)).plan.dropped.total, 0);
  assert.equal(simulate(settings({ lossPercent: 100, burstLength: 3 }), evenly(1000)).plan.dropped.total, 1000);
});

test("fates depend on the seed and index only, not on timing", () => {
  const s = settings({ lossPercent: 10, burstLength: 2, duplicatePercent: 5, reorderPercent: 5, jitterMs: 30, seed: 9 });
  const irregular = evenly(500).map((t, i) => t + ((i * 7919) % 17));
  const a = simulate(s, evenly(500)).plan;
  const b = simulate(s, irregular).plan;
  const other = simulate({ ...s, seed: 10 }, evenly(500)).plan;
  for (const log of ["dropped", "duplicated", "reordered"] as const) {
    assert.ok(a[log].total > 0, `${log} never happened`);
    assert.deepEqual(b[log].list(), a[log].list());
  }
  assert.notDeepEqual(other.dropped.list(), a.dropped.list());
});

test("jitter reorders; keepOrder does not; both stay within delay + jitter", () => {
  const arrivals = evenly(500);
  for (const keepOrder of [false, true]) {
    const { out } = simulate(settings({ delayMs: 40, jitterMs: 30, keepOrder, seed: 3 }), arrivals);
    assert.equal(out.length, 500);
    for (const d of out) {
      const late = d.atMs - arrivals[d.index]!;
      assert.ok(late >= 40 && late <= 70, `packet ${d.index} late by ${late}`);
    }
    const inOrder = out.every((d, i) => d.index === i);
    assert.equal(inOrder, keepOrder);
  }
});

test("a held packet is overtaken by exactly reorderGap later packets", () => {
  const { plan, out } = simulate(settings({ reorderPercent: 10, reorderGap: 2, seed: 5 }), evenly(400));
  const held = plan.reordered.list();
  assert.ok(held.length > 20, `only ${held.length} held`);
  assert.equal(out.length, 400);
  for (const h of held.filter((h) => h < 395)) {
    const pos = out.findIndex((d) => d.index === h);
    const overtakers = out.slice(0, pos).filter((d) => d.index > h).length;
    assert.equal(overtakers, 2, `packet ${h}`);
  }
  const heldSet = new Set(held);
  const rest = out.filter((d) => !heldSet.has(d.index)).map((d) => d.index);
  assert.deepEqual(rest, [...rest].sort((x, y) => x - y));
});

test("a held packet with nothing behind it leaves after the timeout", () => {
  const plan = new ImpairPlan<string>(settings({ reorderPercent: 100, delayMs: 10 }), 0);
  assert.deepEqual(plan.arrive(100, "last").releases, []);
  assert.equal(plan.nextDeadlineMs(), 100 + 10 + HELD_TIMEOUT_MS);
  assert.deepEqual(plan.expire(100 + HELD_TIMEOUT_MS), []);
  const [r] = plan.expire(110 + HELD_TIMEOUT_MS);
  assert.deepEqual(r, { index: 0, copy: false, atMs: 110 + HELD_TIMEOUT_MS, payload: "last" });
  assert.equal(plan.heldCount, 0);
});

test("duplicates: a second copy, right after the original with keepOrder, within jitter otherwise", () => {
  for (const keepOrder of [false, true]) {
    const { plan, out } = simulate(settings({ duplicatePercent: 20, jitterMs: 25, keepOrder, seed: 11 }), evenly(300));
    const dups = plan.duplicated.list();
    assert.ok(dups.length > 30 && dups.length < 90, `${dups.length} duplicates`);
    assert.deepEqual(out.filter((d) => d.copy).map((d) => d.index).sort((a, b) => a - b), dups);
    for (const i of dups) {
      const [orig, copy] = [out.findIndex((d) => d.index === i && !d.copy), out.findIndex((d) => d.index === i && d.copy)];
      assert.ok(copy > orig);
      assert.ok(out[copy]!.atMs - out[orig]!.atMs <= 25);
      if (keepOrder) assert.equal(copy, orig + 1);
    }
  }
});

test("bursty delivery releases on a fixed grid from the origin", () => {
  const { out } = simulate(settings({ burstDeliveryMs: 100, delayMs: 5 }), evenly(50, 20).map((t) => t + 3));
  assert.equal(out.length, 50);
  assert.ok(out.every((d) => d.atMs % 100 === 0));
  const perTick = new Map<number, number>();
  for (const d of out) perTick.set(d.atMs, (perTick.get(d.atMs) ?? 0) + 1);
  assert.deepEqual([...perTick.values()], Array(10).fill(5));
  assert.deepEqual(out.map((d) => d.index), evenly(50, 1));
});

test("the queue keeps push order among equal release times", () => {
  const q = new DeliveryQueue<string>();
  q.push(20, "c");
  q.push(10, "a");
  q.push(20, "d");
  q.push(10, "b");
  assert.equal(q.nextAtMs(), 10);
  assert.deepEqual(q.takeDue(15), ["a", "b"]);
  assert.deepEqual(q.takeDue(20), ["c", "d"]);
  assert.equal(q.size, 0);
});

const GOLDEN_DROPS_SEED_42 = [24, 25, 26, 27, 28, 29, 71, 72, 73, 76, 77, 78, 91, 92, 93];
