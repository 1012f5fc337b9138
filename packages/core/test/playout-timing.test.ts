/**
 * One row per kind of "Timing and buffering" failure: simulated sender, network and device
 * (see sim.ts), asserting what the listener gets. PCM packets carry their own index, so `heard`
 * lists which packets played, in order.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { increasing, jitterLink, latencyRange, simulate, type Network, type Scenario, type SimResult } from "./sim.js";

/** Packets held by the network and released in groups of `n` (the first waits n−1 periods). */
const bursts = (n: number): Network => (i) => [(Math.floor(i / n) * n + n - 1) * 20];
/** The sender sends nothing in [fromMs, toMs) (phone locked, app paused). */
const silentBetween = (fromMs: number, toMs: number): Network => (_i, sentMs) => (sentMs >= fromMs && sentMs < toMs ? [] : [sentMs]);
/** The network holds everything sent in [fromMs, toMs) and delivers it at toMs. */
const heldUntil = (fromMs: number, toMs: number): Network => (_i, sentMs) => [sentMs >= fromMs && sentMs < toMs ? toMs : sentMs];
/** Index of a default packet from the value it was heard as. */
const packet = (value: number) => value - 1000;
let levelAt15s = Number.NaN;

interface Row {
  readonly kind: string;
  readonly scenario: Scenario;
  readonly check: (r: SimResult, s: ReturnType<SimResult["stats"]["snapshot"]>) => void;
}

const rows: Row[] = [
  {
    kind: "playback starts on the first packet: pre-buffers to the target, then every packet waits exactly that",
    scenario: { durationMs: 20_000 },
    check: (r, s) => {
      assert.equal(r.firstSoundMs, 40, "first sound once the first packet has waited the 40 ms target");
      assert.equal(s.underruns, 0);
      assert.deepEqual(latencyRange(r.stats), [40, 40]);
      assert.equal(r.heard.length, r.sent);
      assert.ok(increasing(r.heard));
    },
  },
  {
    kind: "the first two packets arrive swapped: the earlier still opens the stream",
    scenario: { durationMs: 2000, network: (i, sentMs) => [i === 0 ? 25 : sentMs] },
    check: (r, s) => {
      assert.equal(packet(r.heard[0]!), 0);
      assert.equal(s.packetsLate, 0);
      assert.equal(r.heard.length, r.sent);
    },
  },
  {
    kind: "bursts of two packets (20 ms held): absorbed, no underrun, latency near target",
    scenario: { durationMs: 60_000, network: bursts(2) },
    check: (r, s) => {
      assert.equal(s.underruns, 0);
      assert.equal(s.packetsLate, 0);
      // Waits alternate ~20 ms apart (the first of each pair waited for the second), around 40.
      const [lowMs, highMs] = latencyRange(r.stats);
      assert.ok(lowMs >= 20 && highMs <= 60, `latency ${lowMs}–${highMs} ms`);
      assert.equal(r.heard.length, r.sent);
    },
  },
  {
    kind: "bursts of three packets (40 ms held) at a 50 ms target: absorbed",
    scenario: { durationMs: 60_000, network: bursts(3), targetMs: 50 },
    check: (r, s) => {
      assert.equal(s.underruns, 0);
      assert.equal(s.packetsLate, 0);
      assert.ok(Math.abs(s.latencyMs.p50 - 50) <= 2, `p50 ${s.latencyMs.p50}`);
      assert.equal(r.heard.length, r.sent);
    },
  },
  {
    kind: "30 ms of uniform jitter at the default 40 ms target: nothing late, no underrun, for 10 minutes",
    scenario: { durationMs: 600_000, network: jitterLink(30), seed: 7 },
    check: (r, s) => {
      assert.equal(s.underruns, 0);
      assert.equal(s.packetsLate, 0);
      assert.equal(s.packetsConcealed, 0);
      assert.ok(Math.abs(s.latencyMs.p50 - 40) <= 2, `p50 ${s.latencyMs.p50}`);
      assert.ok(s.latencyMs.p99 <= 40 + 30, `p99 ${s.latencyMs.p99}`);
      assert.ok(Math.abs(s.driftPpm) < 100, `no drift, estimated ${s.driftPpm} ppm`);
      assert.ok(increasing(r.heard));
    },
  },
  {
    kind: "late, reordered and duplicated packets: reordered within the window, copies and stragglers dropped and concealed",
    scenario: {
      durationMs: 60_000,
      seed: 3,
      // Every packet up to 15 ms late (so reordered), every 50th duplicated, every 100th 120 ms late.
      network: (i, sentMs, random) => {
        const arrivals = [sentMs + (i % 100 === 13 ? 120 : random() * 15)];
        if (i % 50 === 7) arrivals.push(sentMs + 5);
        return arrivals;
      },
    },
    check: (r, s) => {
      assert.equal(s.packetsDuplicate, 60);
      assert.equal(s.packetsLate, 30);
      assert.equal(s.packetsConcealed, 30, "each straggler's turn was concealed, not silenced");
      assert.equal(s.underruns, 0);
      assert.equal(r.heard.length, r.sent - 30);
      assert.ok(increasing(r.heard), "nothing replayed, nothing out of order");
    },
  },
  {
    kind: "sequence numbers wrap from 65535 to 0",
    scenario: { durationMs: 10_000, seq: (i) => (65_500 + i) & 0xffff, network: jitterLink(20), seed: 5 },
    check: (r, s) => {
      assert.equal(s.packetsLate, 0);
      assert.equal(s.streamRestarts, 0);
      assert.equal(s.underruns, 0);
      assert.equal(r.heard.length, r.sent);
      assert.ok(increasing(r.heard));
    },
  },
  {
    kind: "the sender restarts (sequence and timestamp jump back): a new stream, not late packets",
    scenario: {
      durationMs: 10_000,
      seq: (i) => (i < 250 ? 40_000 + i : i - 250),
      timestampMs: (i) => (i < 250 ? 20 * i : 20 * (i - 250)),
    },
    check: (r, s) => {
      assert.equal(s.streamRestarts, 1);
      assert.equal(s.packetsLate, 0);
      assert.equal(s.packetsDuplicate, 0);
      assert.equal(s.underruns, 0);
      assert.equal(packet(r.heard.at(-1)!), r.sent - 1, "the new stream plays to its end");
      assert.ok(r.heard.length >= r.sent - 2, "at most the old stream's unplayed 40 ms is lost");
      assert.deepEqual(latencyRange(r.stats), [40, 40], "the new stream pre-buffers to the target");
    },
  },
  {
    kind: "the sender restarts a few sequence numbers back, without timestamps: a new stream after three replays",
    scenario: { durationMs: 10_000, seq: (i) => (i < 250 ? 100 + i : 320 + i - 250) },
    check: (r, s) => {
      assert.equal(s.streamRestarts, 1);
      assert.equal(s.packetsLate, 0);
      assert.equal(s.packetsDuplicate, 2, "two look like copies until the third shows a restart");
      assert.equal(packet(r.heard.at(-1)!), r.sent - 1);
    },
  },
  {
    kind: "80 ms lost on a numbered link: concealment bridges it, no underrun, latency kept",
    scenario: { durationMs: 10_000, network: silentBetween(5000, 5080) },
    check: (r, s) => {
      assert.equal(s.underruns, 0);
      assert.equal(s.discontinuities, 0);
      assert.equal(s.packetsLost, 4);
      assert.equal(s.packetsConcealed, 4, "each lost packet concealed, not a silence click");
      assert.deepEqual(latencyRange(r.stats), [40, 40], "the timeline, and so the latency, is kept");
      assert.ok(increasing(r.heard));
    },
  },
  {
    kind: "underrun: a dry spell longer than concealment bridges (100 ms), then pre-buffering again",
    scenario: { durationMs: 10_000, network: (i, sentMs) => (i === 10 || (sentMs >= 5000 && sentMs < 5200) ? [] : [sentMs]) },
    check: (r, s) => {
      assert.equal(s.underruns, 1);
      assert.equal(s.packetsConcealed, 1 + 5, "the early loss, then 100 ms of PCM repeat-and-fade rather than a silence click");
      assert.deepEqual(latencyRange(r.stats), [40, 40]);
      assert.ok(increasing(r.heard));
    },
  },
  {
    kind: "an 80 ms stall whose packets then arrive at once: the overdue ones concealed and dropped as late, no underrun",
    scenario: {
      durationMs: 20_000,
      network: heldUntil(5000, 5080),
      probe: (t, _out, playout) => {
        if (t === 15_000) levelAt15s = playout.levelMs();
      },
    },
    check: (r, s) => {
      assert.equal(s.underruns, 0);
      assert.equal(s.packetsConcealed, 2, "the two packets due during the stall");
      assert.equal(s.packetsLate, 2, "and the same two, dropped when they finally came");
      assert.equal(s.staleDrops, 0, "a short stall's backlog is not stale");
      assert.equal(r.heard.length, r.sent - 2);
      assert.ok(latencyRange(r.stats)[1] <= 100, `latency ${latencyRange(r.stats)}`);
      assert.ok(levelAt15s <= 40 + 20, `buffered ${levelAt15s} ms 10 s later`);
      assert.ok(increasing(r.heard));
    },
  },
  {
    kind: "long gap (phone locked 2 s): silence, a discontinuity (not an underrun), a fresh start at the target",
    scenario: { durationMs: 20_000, network: silentBetween(10_000, 12_000) },
    check: (r, s) => {
      assert.equal(s.discontinuities, 1);
      assert.equal(s.underruns, 0);
      const i = r.heard.indexOf(1000 + 499);
      assert.equal(packet(r.heard[i + 1]!), 600, "the next audio is the first packet after the gap");
      assert.deepEqual(latencyRange(r.stats), [40, 40], "the gap is not carried as latency");
    },
  },
  {
    kind: "the phone pauses 2 s and numbers on from where it stopped: the bridge into the pause costs no audio after it",
    scenario: { durationMs: 20_000, network: silentBetween(10_000, 12_000), seq: (i) => (i < 500 ? i : i - 100) & 0xffff },
    check: (r, s) => {
      assert.equal(s.discontinuities, 1);
      assert.equal(s.underruns, 0);
      assert.equal(s.packetsLate, 0, "the first packets after the pause are not late");
      assert.equal(s.packetsLost, 0, "nor was anything lost: the phone sent nothing");
      const i = r.heard.indexOf(1000 + 499);
      assert.equal(packet(r.heard[i + 1]!), 600, "the next audio is the first packet after the pause");
      assert.equal(r.heard.length, r.sent - 100);
      assert.deepEqual(latencyRange(r.stats), [40, 40], "the pause is not carried as latency");
    },
  },
  {
    kind: "long gap whose packets the network releases at once when it ends: the stale backlog is dropped",
    scenario: { durationMs: 20_000, network: heldUntil(10_000, 12_000) },
    check: (r, s) => {
      assert.equal(s.discontinuities, 1);
      assert.ok(s.staleDrops >= 90, `stale ${s.staleDrops}`);
      assert.equal(s.overflowDrops, 0);
      const i = r.heard.indexOf(1000 + 499);
      assert.ok(packet(r.heard[i + 1]!) >= 596, "two seconds of stale audio are not replayed");
      assert.ok(r.heard.includes(1000 + 599), "the newest of the backlog plays");
      assert.ok(latencyRange(r.stats)[1] <= 40, "nor carried as latency");
      assert.ok(increasing(r.heard));
    },
  },
  {
    kind: "hard cap: sender 5 % fast, beyond the 2 % correction; the oldest audio is dropped, never the newest",
    scenario: { durationMs: 30_000, skewPpm: 50_000 },
    check: (r, s) => {
      assert.ok(s.overflowDrops > 0);
      assert.equal(s.underruns, 0);
      assert.ok(latencyRange(r.stats)[1] <= r.playout.options.maxMs, `latency ${latencyRange(r.stats)}`);
      assert.equal(packet(r.heard.at(-1)!), (r.sent - 1) % 30_000, "the newest packet plays");
      assert.ok(increasing(r.heard));
      assert.ok(Math.abs(s.driftPpm - 50_000) < 500, `estimated ${s.driftPpm} ppm`);
    },
  },
  {
    kind: "hard cap: the device stalls 300 ms; the backlog above the cap goes, oldest first",
    scenario: { durationMs: 10_000, stalled: (t) => t > 5000 && t <= 5300 },
    check: (r, s) => {
      assert.ok(s.overflowDrops > 0);
      assert.equal(s.underruns, 0);
      assert.ok(latencyRange(r.stats)[1] <= r.playout.options.maxMs);
      assert.equal(packet(r.heard.at(-1)!), r.sent - 1);
      assert.ok(increasing(r.heard));
      assert.ok(Math.abs(s.driftPpm) < 50, `a stall is not drift: ${s.driftPpm} ppm`);
    },
  },
];

for (const row of rows) {
  test(row.kind, () => {
    const r = simulate(row.scenario);
    row.check(r, r.stats.snapshot());
  });
}
