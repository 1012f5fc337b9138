// AlsaSink through real alsa-lib, on file-backed PCMs (see alsa-files.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { silentLogger, isError, ErrorName } from "@phonemic/core";
import { AlsaSink } from "../src/index.js";
import { fileDevices, ramp, writeAll } from "./alsa-files.js";

// alsa-lib reads its configuration once per process: set this before anything opens a PCM.
const devices = fileDevices(["ramp", "backlog", "drain", "exit", "leak"]);
process.env.ALSA_CONFIG_PATH = devices.configPath;

const stereo = { sampleRate: 48000, channels: 2 };
const open = async (device: string) => {
  const sink = new AlsaSink({ device }, { logger: silentLogger });
  const info = await sink.open(stereo, AbortSignal.timeout(5000));
  return { sink, info };
};

test("every byte written reaches the device, in order", async () => {
  const { sink, info } = await open("ramp");
  assert.deepEqual(info.format, stereo);
  assert.equal(info.where, "ramp");
  const samples = ramp(48000 * 3);
  await writeAll(sink, samples, 2, 1237);
  await sink.close();
  assert.deepEqual(readFileSync(devices.files.ramp), Buffer.from(samples.buffer));
  assert.equal(sink.xruns(), 0);
});

test("write returns at once with a large backlog, taking only what fits", async () => {
  const { sink } = await open("backlog");
  const tenSeconds = ramp(48000 * 10);
  const started = performance.now();
  const taken = sink.write(tenSeconds);
  const elapsedMs = performance.now() - started;
  assert.ok(taken > 0 && taken < 48000 * 10, `took ${taken} frames`);
  assert.ok(elapsedMs < 50, `write took ${elapsedMs} ms`);
  assert.ok(sink.delayFrames() >= 0);
  await sink.close();
  assert.equal(readFileSync(devices.files.backlog).length, taken * 4);
});

test("close plays out everything still queued, and is safe to call twice", async () => {
  const { sink } = await open("drain");
  const samples = ramp(20000);
  assert.equal(sink.write(samples), 20000);
  const first = sink.close();
  const second = sink.close();
  await Promise.all([first, second]);
  await sink.close();
  assert.deepEqual(readFileSync(devices.files.drain), Buffer.from(samples.buffer));
  assert.equal(sink.write(samples), 0, "a closed sink takes nothing");
  assert.equal(sink.delayFrames(), 0);
});

test("the process exits on its own after close, and without it", () => {
  const child = fileURLToPath(new URL("fixtures/play-and-exit.js", import.meta.url));
  for (const [device, mode] of [["exit", "close"], ["leak", "no-close"]]) {
    const r = spawnSync(process.execPath, [child, device!, mode!], {
      env: { ...process.env, ALSA_CONFIG_PATH: devices.configPath },
      timeout: 10_000,
      encoding: "utf8",
    });
    assert.equal(r.error, undefined, `${mode}: ${r.error}`);
    assert.equal(r.status, 0, `${mode}: exit ${r.status} ${r.signal ?? ""}\n${r.stderr}`);
    assert.equal(r.stderr, "", "alsa-lib noise must not reach stderr");
  }
  assert.equal(readFileSync(devices.files.exit!).length, 4800 * 4);
});

test("a device ALSA does not know is a clear DeviceError", async () => {
  const sink = new AlsaSink({ device: "no_such_pcm_here" }, { logger: silentLogger });
  await assert.rejects(sink.open(stereo, AbortSignal.timeout(5000)), (err: Error & { hint?: string }) => {
    assert.ok(isError(err, ErrorName.Device), err.name);
    assert.match(err.message, /no device "no_such_pcm_here"/);
    assert.match(err.message, /Unknown PCM/);
    assert.match(err.hint ?? "", /aplay -L/);
    return true;
  });
});

test("an aborted signal stops open before any device is touched", async () => {
  const sink = new AlsaSink({ device: "ramp" }, { logger: silentLogger });
  await assert.rejects(sink.open(stereo, AbortSignal.abort()), (err: Error) => isError(err, ErrorName.Aborted));
});
