// modules: snd-aloop
// timeout: 60
// What aplay writes to hw:Loopback,0,0 comes out of hw:Loopback,1,0 bit-exact, paced in real
// time. Proves the rig: a real kernel, its sound core and alsa-utils in the guest.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { join } from "node:path";

const RATE = 48000;
const CHANNELS = 2;
const FRAMES = RATE; // one second
const params = ["-f", "S16_LE", "-c", String(CHANNELS), "-r", String(RATE), "-t", "raw"];

// Left: a ramp, unique in every frame. Right: a 440 Hz tone.
const played = Buffer.alloc(FRAMES * CHANNELS * 2);
for (let i = 0; i < FRAMES; i++) {
  played.writeInt16LE(i - 24000, i * 4);
  played.writeInt16LE(Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / RATE)), i * 4 + 2);
}
writeFileSync("play.raw", played);

function run(cmd, args, onStderr) {
  const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "pipe"] });
  child.stderr.on("data", (d) => { process.stderr.write(d); onStderr?.(String(d)); });
  return new Promise((resolve) => child.on("close", (code) => resolve(code)));
}

// Start capturing first, then play once arecord says it is recording.
let recording;
const started = new Promise((resolve) => { recording = resolve; });
const capture = run("arecord", ["-D", "hw:Loopback,1,0", ...params, "-d", "3", "rec.raw"], (t) => {
  if (t.includes("Recording")) recording();
});
await started;
const t0 = performance.now();
const playCode = await run("aplay", ["-D", "hw:Loopback,0,0", ...params, "play.raw"]);
const playS = (performance.now() - t0) / 1000;
const captureCode = await capture;
if (playCode !== 0 || captureCode !== 0) throw new Error(`aplay exited ${playCode}, arecord ${captureCode}`);

const rec = readFileSync("rec.raw");
const probe = played.subarray(0, 64);
const offset = rec.indexOf(probe);
console.log(`played ${FRAMES} frames in ${playS.toFixed(2)} s; captured ${rec.length / 4} frames, signal at frame ${offset / 4}`);
if (process.env.KERNEL_TEST_OUT) copyFileSync("rec.raw", join(process.env.KERNEL_TEST_OUT, "rec.raw"));
if (offset < 0 || offset % 4 !== 0) throw new Error("the played ramp is not in the recording");
const got = rec.subarray(offset, offset + played.length);
if (!got.equals(played)) {
  let i = 0;
  while (i < got.length && got[i] === played[i]) i++;
  throw new Error(`recording differs from frame ${Math.floor(i / 4)} on (got ${got.length} of ${played.length} bytes)`);
}
// A device that does not pace time (alsa-lib's null/file plugins) would take ~0 s.
if (playS < 0.7) throw new Error(`one second of audio played in ${playS.toFixed(2)} s: the device does not pace time`);
console.log("bit-exact");
