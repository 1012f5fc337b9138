#!/usr/bin/env node
// Figures of the receive path alone (core's Playout: jitter buffer, decode/conceal, drift
// regulation), on simulated time so they are the same on any machine:
//   1. added latency p50/p99 and underruns at a target, on a clean and on impaired links
//      (10 simulated minutes each, seeded; 20 ms packets, the device pulling every 5 ms);
//   2. CPU seconds of the whole receive path per minute of audio, decoding real Opus.
//   node scripts/bench/playout.mjs [targetMs=40] [minutes=10]
// Latency here is the buffer's: a packet's arrival → its first frame handed to the sink. A sound
// card sink adds its own queue on top (the loop keeps sinkTargetMs, 20 ms by default, in it).
// Run `npx tsc -b packages/core` first (the simulator is core's test harness, test/sim.ts).
import { createRequire } from "node:module";
import { Playout, SessionStats } from "../../packages/core/dist/src/index.js";
import { FakeClock, jitterLink, latencyRange, simulate } from "../../packages/core/dist/test/sim.js";

// @evan/opus is core's dependency, not the workspace root's.
const { Encoder } = createRequire(new URL("../../packages/core/package.json", import.meta.url))("@evan/opus");
const targetMs = Number(process.argv[2] ?? 40);
const minutes = Number(process.argv[3] ?? 10);
const durationMs = minutes * 60_000;
const pcm48k = { codec: "pcm", encoding: "s16", sampleRate: 48000, channels: 1 };

/** Jitter, then independent loss and duplication, like `phonemic impair`. */
function impaired(jitterMs, lossPercent, dupPercent) {
  return (_i, sentMs, random) => {
    const delay = random() * jitterMs;
    if (random() * 100 < lossPercent) return [];
    return random() * 100 < dupPercent ? [sentMs + delay, sentMs + random() * jitterMs] : [sentMs + delay];
  };
}

const links = [
  ["clean", undefined, 0],
  ["jitter 30 ms", jitterLink(30), 0],
  ["jitter 30 ms, 5 % loss, 1 % dup", impaired(30, 5, 1), 0],
  ["jitter 50 ms", jitterLink(50), 0],
  ["clean, sender +500 ppm", undefined, 500],
  ["jitter 30 ms, sender −500 ppm", jitterLink(30), -500],
];

console.log(`Receive path at a ${targetMs} ms target, ${minutes} simulated minutes per link (48 kHz PCM, 20 ms packets, 5 ms pulls)`);
console.log("link                               p50 ms  p99 ms  max ms  underruns  late  concealed  drops  drift ppm");
for (const [name, network, skewPpm] of links) {
  const r = simulate({ durationMs, targetMs, network, skewPpm, stream: pcm48k, seed: 42 });
  const s = r.stats.snapshot();
  const row = [
    name.padEnd(34),
    String(s.latencyMs.p50).padStart(6),
    String(s.latencyMs.p99).padStart(7),
    String(latencyRange(r.stats)[1]).padStart(7),
    String(s.underruns).padStart(10),
    String(s.packetsLate).padStart(5),
    String(s.packetsConcealed).padStart(10),
    String(s.overflowDrops + s.staleDrops).padStart(6),
    String(s.driftPpm).padStart(10),
  ];
  console.log(row.join(" "));
}

// CPU: real Opus (48 kHz mono, 20 ms, in-band FEC, 5 % loss) through receive → pull, with the
// sender 500 ppm fast so the resampler is working, as it does against any real phone.
const cpuMinutes = 3;
const encoder = new Encoder({ channels: 1, sample_rate: 48000, application: "voip" });
encoder.inband_fec = true;
encoder.packet_loss = 5;
const frame = new Int16Array(960);
const packets = [];
for (let p = 0, phase = 0; p < cpuMinutes * 3000; p++) {
  for (let i = 0; i < 960; i++) {
    phase += (2 * Math.PI * (170 + 50 * Math.sin(p / 40))) / 48000;
    frame[i] = Math.round(8000 * (Math.sin(phase) + 0.4 * Math.sin(3 * phase)) * (0.6 + 0.4 * Math.sin(p / 7)));
  }
  packets.push(encoder.encode(frame).slice());
}
const clock = new FakeClock();
const stats = new SessionStats();
const playout = new Playout({ targetMs, maxMs: Math.round(targetMs * 1.1 + 60), format: { sampleRate: 48000, channels: 1 } }, clock, stats);
const opus = { codec: "opus", sampleRate: 48000, channels: 1 };
const out = new Int16Array(240);
const periodMs = 20 / (1 + 500e-6);
let lostEvery = 0;
const before = process.cpuUsage();
for (let t = 0, next = 0; t < cpuMinutes * 60_000; t += 5) {
  while (next < packets.length && next * periodMs <= t) {
    clock.t = next * periodMs;
    if (++lostEvery % 20 !== 0) playout.receive({ format: opus, payload: packets[next], seq: next & 0xffff, arrivalMs: clock.t });
    next++;
  }
  clock.t = t;
  playout.pull(out, 240);
}
const used = process.cpuUsage(before);
const cpuSeconds = (used.user + used.system) / 1e6;
console.log(
  `\nCPU of the receive path (Opus decode + PLC/FEC for 5 % loss + resampling at +500 ppm): ` +
    `${(cpuSeconds / cpuMinutes).toFixed(3)} s per audio-minute (${cpuSeconds.toFixed(2)} s for ${cpuMinutes} min; ` +
    `${stats.packetsConcealed} concealed, drift ${stats.snapshot().driftPpm} ppm)`,
);
