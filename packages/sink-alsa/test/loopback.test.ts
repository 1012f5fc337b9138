// Choosing the loopback subdevice and telling the user where to record, with a fake addon.
import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import { ErrorName, isError, silentLogger, type Logger } from "@phonemic/core";
import { AlsaSink, findLoopback } from "../src/index.js";
import { fakeBinding, loopbackCard } from "./fake-binding.js";

const { EBUSY, ENODEV } = constants.errno;
const stereo = { sampleRate: 48000, channels: 2 };
const signal = () => AbortSignal.timeout(1000);

function recordingLogger(lines: string[]): Logger {
  return { ...silentLogger, info: (m) => lines.push(m) };
}

test("without a device option, plays into the first free playback subdevice", async () => {
  const binding = fakeBinding({ cards: [loopbackCard], fail: { "hw:Loopback,0,0": EBUSY, "hw:Loopback,0,1": EBUSY } });
  const lines: string[] = [];
  const sink = new AlsaSink({}, { logger: recordingLogger(lines), binding });
  const info = await sink.open(stereo, signal());
  assert.equal(info.where, "hw:Loopback,0,2; record from hw:Loopback,1,2");
  assert.deepEqual(info.format, stereo);
  assert.equal(binding.opened[0]!.name, "hw:Loopback,0,2");
  assert.ok(lines.some((l) => l.includes("record the phone from hw:Loopback,1,2")), lines.join("\n"));
  await sink.close();
});

test("all subdevices busy is its own DeviceError", async () => {
  const fail = Object.fromEntries([0, 1].map((n) => [`hw:Loopback,0,${n}`, EBUSY]));
  const sink = new AlsaSink({}, { logger: silentLogger, binding: fakeBinding({ cards: [loopbackCard], subdevices: 2, fail }) });
  await assert.rejects(sink.open(stereo, signal()), (err: Error) => {
    assert.ok(isError(err, ErrorName.Device));
    assert.match(err.message, /all 2 playback subdevices .* are busy/);
    return true;
  });
});

test("a named device that is busy says so, without trying others", async () => {
  const binding = fakeBinding({ cards: [loopbackCard], fail: { "hw:Loopback,0,3": EBUSY } });
  const sink = new AlsaSink({ device: "hw:Loopback,0,3" }, { logger: silentLogger, binding });
  await assert.rejects(sink.open(stereo, signal()), /hw:Loopback,0,3 is busy/);
  assert.equal(binding.opened.length, 0);
});

test("a named loopback device tells where to record from", async () => {
  const binding = fakeBinding({ cards: [loopbackCard] });
  const sink = new AlsaSink({ device: "hw:Loopback,1,4" }, { logger: silentLogger, binding });
  assert.equal((await sink.open(stereo, signal())).where, "hw:Loopback,1,4; record from hw:Loopback,0,4");
});

test("no Loopback card: DeviceError telling how to load snd-aloop", async () => {
  for (const options of [{}, { device: "hw:Loopback,0,0" }]) {
    const binding = fakeBinding({ fail: { "hw:Loopback,0,0": ENODEV } });
    const sink = new AlsaSink(options, { logger: silentLogger, binding });
    await assert.rejects(sink.open(stereo, signal()), (err: Error & { hint?: string }) => {
      assert.ok(isError(err, ErrorName.Device));
      assert.match(err.message, /snd-aloop is not loaded/);
      assert.match(err.hint ?? "", /sudo modprobe snd-aloop/);
      assert.match(err.hint ?? "", /echo snd-aloop \| sudo tee \/etc\/modules-load.d\/snd-aloop.conf/);
      return true;
    });
  }
});

test("no Loopback card on this machine, through the real addon", async (t) => {
  if (findLoopback()) return t.skip("this machine has a Loopback card");
  const sink = new AlsaSink({}, { logger: silentLogger });
  await assert.rejects(sink.open(stereo, signal()), (err: Error & { hint?: string }) => {
    assert.ok(isError(err, ErrorName.Device), err.name);
    assert.match(err.hint ?? "", /sudo modprobe snd-aloop/);
    return true;
  });
});

test("findLoopback matches the driver when snd-aloop has another id", () => {
  const cards = [{ index: 0, id: "PCH", driver: "HDA-Intel", name: "HDA" }, { ...loopbackCard, index: 3, id: "phone" }];
  assert.deepEqual(findLoopback(fakeBinding({ cards, subdevices: 4 })), { index: 3, id: "phone", subdevices: 4 });
  assert.equal(findLoopback(fakeBinding({ cards: cards.slice(0, 1) })), undefined);
});

test("setRateRatio writes round(ratio × 100000), clamped; false without the control", async () => {
  const binding = fakeBinding({ cards: [loopbackCard] });
  const sink = new AlsaSink({}, { logger: silentLogger, binding });
  assert.equal(sink.setRateRatio(1.001), false, "not open yet");
  await sink.open(stereo, signal());
  assert.equal(sink.setRateRatio(1.0002), true);
  sink.setRateRatio(2);
  assert.deepEqual(binding.opened[0]!.rateShifts, [100020, 120000]);
  const plain = new AlsaSink({ device: "default" }, { logger: silentLogger, binding });
  await plain.open(stereo, signal());
  assert.equal(plain.setRateRatio(1.0002), false);
});
