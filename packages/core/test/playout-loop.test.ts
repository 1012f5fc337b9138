/**
 * The loop between the playout and a sink, on simulated time: unpaced sinks are fed by the PC's
 * clock, paced ones topped up by their own delay, and a sink with a rate control can follow the
 * phone's clock instead of the resampler.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AudioSink, SinkInfo } from "../src/audio-sink.js";
import type { PcmFormat } from "../src/format.js";
import { Playout } from "../src/pipeline/playout.js";
import { PlayoutLoop, type PlayoutLoopOptions } from "../src/pipeline/playout-loop.js";
import { SessionStats } from "../src/pipeline/stats.js";
import { FakeClock, pcm8k } from "./sim.js";

const format: PcmFormat = { sampleRate: 8000, channels: 1 };

/** A sound card on its own clock (`devicePpm` fast) whose speed a rate control can stretch. */
class FakeDevice implements AudioSink {
  readonly description = "fake device";
  queuedFrames = 0;
  xrunCount = 0;
  rateRatio = 1;
  readonly rateRatios: number[] = [];
  readonly values = new Set<number>();
  private lastMs = 0;

  constructor(
    readonly paced: boolean,
    private readonly clock: FakeClock,
    private readonly devicePpm = 0,
    private readonly rateControl = true,
  ) {}
  async open(f: PcmFormat): Promise<SinkInfo> {
    return { format: f, where: "nowhere" };
  }
  write(frames: Int16Array): number {
    this.advance();
    for (const v of frames) this.values.add(v);
    this.queuedFrames += frames.length;
    return frames.length;
  }
  delayFrames(): number {
    this.advance();
    return Math.floor(this.queuedFrames);
  }
  xruns(): number {
    return this.xrunCount;
  }
  setRateRatio(ratio: number): boolean {
    if (!this.rateControl) return false;
    this.rateRatio = ratio;
    this.rateRatios.push(ratio);
    return true;
  }
  async close(): Promise<void> {}
  private advance(): void {
    const ms = this.clock.now() - this.lastMs;
    this.lastMs = this.clock.now();
    if (!this.paced) return (this.queuedFrames = 0), undefined;
    // A larger rate ratio stretches the device's clock: it consumes more slowly.
    this.queuedFrames -= (ms * 8 * (1 + this.devicePpm * 1e-6)) / this.rateRatio;
    if (this.queuedFrames < 0) {
      this.xrunCount++;
      this.queuedFrames = 0;
    }
  }
}

/** Sample values of the packets: steps of 7, so a filter smoothing a step shows in between. */
const isPacketValue = (v: number) => v === 0 || (v >= 1000 && (v - 1000) % 7 === 0);

/** Streams `seconds` of 20 ms PCM packets from a sender `skewPpm` fast through loop and sink. */
function run(sink: FakeDevice, clock: FakeClock, seconds: number, skewPpm = 0, options: PlayoutLoopOptions = { tickMs: 5, sinkTargetMs: 20 }) {
  const stats = new SessionStats();
  const playout = new Playout({ targetMs: 40, maxMs: 104, format }, clock, stats);
  const loop = new PlayoutLoop(playout, sink, format, clock, stats, options);
  const payload = new Uint8Array(320);
  const samples = new Int16Array(payload.buffer);
  const periodMs = 20 / (1 + skewPpm * 1e-6);
  let next = 0;
  for (let t = 0; t <= seconds * 1000; t += 5) {
    while (next * periodMs <= t) {
      clock.t = next * periodMs;
      samples.fill(1000 + 7 * (next % 4000));
      playout.receive({ format: pcm8k, payload, seq: next & 0xffff, arrivalMs: clock.t });
      next++;
    }
    clock.t = t;
    loop.tick();
  }
  return { stats, playout, loop };
}

test("an unpaced sink gets exactly the stream rate by the PC clock", () => {
  const clock = new FakeClock();
  const sink = new FakeDevice(false, clock);
  const { stats } = run(sink, clock, 10);
  assert.equal(stats.framesWritten, 10 * 8000);
  assert.equal(stats.snapshot().latencyMs.p50, 40, "nothing queued in a file: latency is the buffer's");
});

test("a paced sink is topped up to sinkTargetMs by its own delay; its queue counts into latency", () => {
  const clock = new FakeClock();
  const sink = new FakeDevice(true, clock);
  const { stats } = run(sink, clock, 10);
  assert.equal(sink.xrunCount, 0);
  assert.ok(sink.queuedFrames >= 15 * 8 && sink.queuedFrames <= 20 * 8, `queued ${sink.queuedFrames}`);
  const { p50, p99 } = stats.snapshot().latencyMs;
  assert.ok(p50 >= 40 + 15 && p99 <= 40 + 20, `latency ${p50}/${p99}`);
});

test("with sinkRate, the device's own clock follows the phone (1/speed), and nothing is resampled", () => {
  const clock = new FakeClock();
  const sink = new FakeDevice(true, clock, -300);
  const { stats, playout, loop } = run(sink, clock, 300, 500, { tickMs: 5, sinkTargetMs: 20, sinkRate: true });
  assert.equal(playout.driftControl, "external");
  const truthPpm = 1e6 * ((1 + 500e-6) / (1 - 300e-6) - 1);
  assert.ok(Math.abs(stats.driftPpm - truthPpm) < 20, `estimated ${stats.driftPpm} of ${truthPpm} ppm`);
  assert.ok(Math.abs(1 / sink.rateRatio - 1 - truthPpm * 1e-6) < 50e-6, `device stretched by ${sink.rateRatio}`);
  const { p50, p99 } = stats.snapshot().latencyMs;
  assert.ok(p50 >= 50 && p99 <= 70, `latency ${p50}/${p99}`);
  assert.ok([...sink.values].every(isPacketValue), "only packet values: no filter smoothed a step");
  loop.stop();
  assert.equal(sink.rateRatio, 1, "stopping gives the device its own clock back");
});

test("with sinkRate but no rate control on the sink, the resampler corrects", () => {
  const clock = new FakeClock();
  const sink = new FakeDevice(true, clock, 0, false);
  const { stats, playout } = run(sink, clock, 120, 500, { tickMs: 5, sinkTargetMs: 20, sinkRate: true });
  assert.equal(playout.driftControl, "resample");
  assert.ok(Math.abs(stats.driftPpm - 500) < 20);
  assert.ok(![...sink.values].every(isPacketValue), "resampled: steps are smoothed");
});

/** A device that claims to pace but holds nothing (alsa-lib's `file` plugin over `null`). */
class BottomlessDevice implements AudioSink {
  readonly description = "bottomless";
  readonly paced = true;
  written = 0;
  async open(f: PcmFormat): Promise<SinkInfo> {
    return { format: f, where: "nowhere" };
  }
  write(frames: Int16Array): number {
    this.written += frames.length;
    return frames.length;
  }
  delayFrames(): number {
    return 0;
  }
  xruns(): number {
    return 0;
  }
  async close(): Promise<void> {}
}

test("a paced sink that holds nothing is fed at the PC clock's pace, not as fast as it is asked", () => {
  const clock = new FakeClock();
  const sink = new BottomlessDevice();
  const stats = new SessionStats();
  const playout = new Playout({ targetMs: 40, maxMs: 104, format }, clock, stats);
  const loop = new PlayoutLoop(playout, sink, format, clock, stats, { tickMs: 5, sinkTargetMs: 20 });
  for (let ms = 0; ms < 10_000; ms += 5) {
    clock.t += 5;
    loop.tick();
  }
  // 10 s at 8 kHz, plus at most the two sink targets of head start the guard allows.
  assert.ok(sink.written >= 80_000 && sink.written <= 80_000 + 2 * 160, `${sink.written} frames for 10 s`);
});

test("between packets, a paced sink is refilled early enough for the timers this machine has", () => {
  // No phone: the loop keeps the device fed with silence from its fallback timer alone, and on
  // this machine every timer fires 60 ms late. Waking when the device still holds half of its
  // 100 ms starves it at every firing; the loop learns the lateness and wakes that much earlier.
  const clock = new FakeClock();
  const sink = new FakeDevice(true, clock);
  const stats = new SessionStats();
  const playout = new Playout({ targetMs: 40, maxMs: 104, format }, clock, stats);
  const pending: { at: number; fire: () => void }[] = [];
  const lateTimers = {
    set: (fire: () => void, ms: number) => pending.push({ at: clock.t + ms + 60, fire }),
    clear: () => void pending.splice(0),
  };
  const loop = new PlayoutLoop(playout, sink, format, clock, stats, { tickMs: 5, sinkTargetMs: 100, lowWaterMs: 8 }, lateTimers);
  loop.start();
  while (clock.t < 20_000) {
    const next = pending.shift()!;
    clock.t = next.at;
    next.fire();
  }
  loop.stop();
  assert.ok(sink.xrunCount <= 1, `the device ran dry ${sink.xrunCount} times in 20 s`);
  assert.ok(stats.framesWritten >= 19.9 * 8000, `${stats.framesWritten} frames of silence for 20 s`);
});

test("after the phone's last packet, one stall of the event loop costs none of the queued audio", () => {
  // Packets wake the loop every 20 ms for 2 s; then the timer alone plays out the end, and the
  // first time it fires the event loop is 120 ms late. The 300 ms queued in the device cover
  // that, but only if the timer does not wait until the device is nearly empty.
  const clock = new FakeClock();
  const sink = new FakeDevice(true, clock);
  const stats = new SessionStats();
  const playout = new Playout({ targetMs: 40, maxMs: 104, format }, clock, stats);
  let timer: { at: number; fire: () => void } | undefined;
  let stalls = 0;
  const LAST = 99;
  const timers = {
    set: (fire: () => void, ms: number) => {
      const stall = clock.t >= LAST * 20 && stalls++ === 0 ? 120 : 0;
      timer = { at: clock.t + ms + stall, fire };
    },
    clear: () => void (timer = undefined),
  };
  const loop = new PlayoutLoop(playout, sink, format, clock, stats, { tickMs: 5, sinkTargetMs: 300, lowWaterMs: 8 }, timers);
  const payload = new Uint8Array(320);
  const samples = new Int16Array(payload.buffer);
  loop.start();
  let next = 0;
  while (clock.t < 4000) {
    if (next <= LAST && (!timer || next * 20 <= timer.at)) {
      clock.t = next * 20;
      samples.fill(1000 + 7 * next);
      playout.receive({ format: pcm8k, payload, seq: next, arrivalMs: clock.t });
      if (next === LAST) playout.endOfStream();
      next++;
      loop.kick();
    } else {
      const due = timer!;
      timer = undefined;
      clock.t = due.at;
      due.fire();
    }
  }
  loop.stop();
  assert.ok(stalls > 0, "the stall happened");
  assert.ok(sink.values.has(1000 + 7 * LAST), "the last packet reached the device");
  assert.equal(sink.xrunCount, 0, `the device ran dry ${sink.xrunCount} time(s)`);
});
