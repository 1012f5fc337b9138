/**
 * Simulated time for the playout: a sender with its own clock, a network that delays, drops,
 * duplicates and reorders, and a device pulling every few ms — minutes of audio in milliseconds.
 *
 * By default packets are 20 ms of 8 kHz mono PCM whose every sample is `1000 + index` (mod 30000), so the
 * output shows which packet played: a run of one value at least half a packet long is that
 * packet (concealment fades, so it never makes such a run).
 */
import { Playout, type PlayoutOptions } from "../src/pipeline/playout.js";
import { SessionStats } from "../src/pipeline/stats.js";
import type { Clock } from "../src/clock.js";
import type { StreamFormat } from "../src/format.js";

export const pcm8k: StreamFormat = { codec: "pcm", encoding: "s16", sampleRate: 8000, channels: 1 };

export class FakeClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
}

/** Deterministic uniform numbers in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Arrival times (PC clock, ms) of packet `index` sent at `sentMs`: none = lost, two = duplicated. */
export type Network = (index: number, sentMs: number, random: () => number) => number[];

export const cleanLink: Network = (_i, sentMs) => [sentMs];

/** Uniform extra delay in [0, jitterMs], like `phonemic impair --jitter`. */
export function jitterLink(jitterMs: number, lossPercent = 0): Network {
  return (_i, sentMs, random) => {
    const lost = random() * 100 < lossPercent;
    const delay = random() * jitterMs;
    return lost ? [] : [sentMs + delay];
  };
}

export interface Scenario {
  readonly durationMs: number;
  readonly stream?: StreamFormat;
  readonly packetMs?: number;
  /** Sender clock minus PC clock: > 0 sends faster. */
  readonly skewPpm?: number;
  readonly network?: Network;
  readonly seq?: (index: number) => number | undefined;
  readonly timestampMs?: (index: number) => number | undefined;
  /** Packet bytes; the default is PCM whose samples all equal 1000 + index. */
  readonly payload?: (index: number) => Uint8Array;
  /** Device pull step, ms. */
  readonly pullMs?: number;
  readonly targetMs?: number;
  readonly maxMs?: number;
  readonly seed?: number;
  /** Tell the playout the stream ended after its last packet (default true). */
  readonly endOfStream?: boolean;
  /** The device stalls (no pull) at these times. */
  readonly stalled?: (tMs: number) => boolean;
  /** Called after every pull. */
  readonly probe?: (tMs: number, out: Int16Array, playout: Playout) => void;
}

export interface SimResult {
  readonly stats: SessionStats;
  readonly playout: Playout;
  /** Values of the packet runs heard, in order (1000 + index for default payloads). */
  readonly heard: number[];
  /** PC time of the pull that handed over the first non-silent frame, ms. */
  readonly firstSoundMs: number;
  /** Packets sent. */
  readonly sent: number;
}

export function simulate(s: Scenario): SimResult {
  const stream = s.stream ?? pcm8k;
  const packetMs = s.packetMs ?? 20;
  const pullMs = s.pullMs ?? 5;
  const targetMs = s.targetMs ?? 40;
  const clock = new FakeClock();
  const stats = new SessionStats();
  const options: PlayoutOptions = { targetMs, maxMs: s.maxMs ?? Math.round(targetMs * 1.1 + 60), format: { sampleRate: stream.sampleRate, channels: stream.channels } };
  const playout = new Playout(options, clock, stats);
  const random = rng(s.seed ?? 1);
  const network = s.network ?? cleanLink;
  const packetFrames = (stream.sampleRate * packetMs) / 1000;
  const bytes = new Uint8Array(packetFrames * stream.channels * 2);
  const samples = new Int16Array(bytes.buffer);
  const arrivals: { atMs: number; index: number }[] = [];
  const periodMs = packetMs / (1 + (s.skewPpm ?? 0) * 1e-6);
  let sent = 0;
  for (; sent * periodMs < s.durationMs; sent++) {
    for (const atMs of network(sent, sent * periodMs, random)) arrivals.push({ atMs, index: sent });
  }
  arrivals.sort((a, b) => a.atMs - b.atMs || a.index - b.index);
  const pullFrames = (stream.sampleRate * pullMs) / 1000;
  const out = new Int16Array(pullFrames * stream.channels);
  const heard: number[] = [];
  let runValue = 0;
  let runFrames = 0;
  let firstSoundMs = Number.NaN;
  let next = 0;
  for (let t = pullMs; t <= s.durationMs + 500; t += pullMs) {
    while (next < arrivals.length && arrivals[next]!.atMs <= t) {
      const { atMs, index } = arrivals[next++]!;
      clock.t = atMs;
      let payload = s.payload?.(index);
      if (!payload) {
        samples.fill(1000 + (index % 30000));
        payload = bytes;
      }
      playout.receive({ format: stream, payload, seq: s.seq ? s.seq(index) : index & 0xffff, timestampMs: s.timestampMs?.(index), arrivalMs: atMs });
      if (next === arrivals.length && s.endOfStream !== false) playout.endOfStream();
    }
    clock.t = t;
    if (s.stalled?.(t)) continue;
    playout.pull(out, pullFrames);
    s.probe?.(t, out, playout);
    for (let i = 0; i < out.length; i += stream.channels) {
      const v = out[i]!;
      if (v !== 0 && Number.isNaN(firstSoundMs)) firstSoundMs = t;
      if (v === runValue) runFrames++;
      else {
        if (runValue !== 0 && runFrames >= packetFrames / 2) heard.push(runValue);
        runValue = v;
        runFrames = 1;
      }
    }
  }
  if (runValue !== 0 && runFrames >= packetFrames / 2) heard.push(runValue);
  return { stats, playout, heard, firstSoundMs, sent };
}

/** Smallest and largest latency recorded, ms. */
export function latencyRange(stats: SessionStats): [number, number] {
  return [stats.latency.percentile(1e-12), stats.latency.percentile(1)];
}

/** True when every value is larger than the one before: nothing replayed, nothing out of order. */
export function increasing(values: readonly number[]): boolean {
  return values.every((v, i) => i === 0 || v > values[i - 1]!);
}
