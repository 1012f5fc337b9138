// modules: snd-aloop
// timeout: 120
// Closing the ALSA sink plays everything it was given, to the last sample. snd-aloop's own drain
// blanks one timer tick (4 ms) of the audio still queued when it starts (`aplay` loses the same
// 192 samples at 48 kHz), so the sink lets the device play its audio out before draining.
// Checked bit-exact with arecord on the capture side, for a large and a small device buffer.
import { join } from "node:path";
import * as h from "./lib/harness.mjs";

const { AlsaSink } = await import(join(h.REPO, "packages/sink-alsa/dist/src/index.js"));
const logger = { info() {}, warn: console.log, error: console.log, debug() {} };
const signal = h.testSignal(3);

for (const { periodMs, bufferMs, queuedMs } of [
  { periodMs: 50, bufferMs: 800, queuedMs: 400 },
  { periodMs: 10, bufferMs: 40, queuedMs: 30 },
]) {
  const rec = await h.record("hw:Loopback,1,0", "recording.raw");
  await h.sleep(300);
  const sink = new AlsaSink({ device: "hw:Loopback,0,0", periodMs, bufferMs }, { logger });
  await sink.open({ sampleRate: 48000, channels: 1 });
  // Kept topped up to `queuedMs`, as the pipeline does.
  for (let at = 0; at < signal.length; await h.sleep(5)) {
    const frames = Math.min(Math.max(0, queuedMs * 48 - sink.delayFrames()), signal.length - at);
    if (frames > 0) at += sink.write(signal.subarray(at, at + frames));
  }
  const t0 = h.uptime();
  await sink.close();
  const closeS = h.uptime() - t0;
  await h.sleep(500);
  const recording = await rec.stop();
  const offset = h.findExact(recording, signal);
  const bad = offset >= 0 ? h.mismatches(recording, signal, offset) : signal.length;
  const where = offset >= 0 && bad ? ` at ${h.differingRanges(recording, signal, offset)}` : "";
  const what = `period ${periodMs} ms, buffer ${bufferMs} ms, ${queuedMs} ms queued`;
  h.check(bad === 0, `${what}: the recording holds all ${signal.length} samples written (${bad} differ${where})`);
  h.check(closeS < queuedMs / 1000 + 1, `${what}: close() returned after ${closeS.toFixed(2)} s, once the queue had played`);
}
h.finish();
