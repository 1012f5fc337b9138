/**
 * UsbAdbTransport with a stand-in adb: the tunnel is made before the phone dials in, AndroidMic
 * flows through 127.0.0.1, and the reverse is removed on dispose, on SIGINT and on exit.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ErrorName, isError, silentLogger, systemClock, toneSource, type EncodedPacket } from "@phonemic/core";
import { sendAndroidMic } from "@phonemic/transport-wifi";
import usbPlugin, { UsbAdbTransport, usbAdbOptions } from "../src/index.js";
import { AdbStandIn, devicesOutput, freePort } from "./adb-standin.js";

const deps = { logger: silentLogger, clock: systemClock };
const standIns: AdbStandIn[] = [];
const standIn = (devices: string) => {
  const s = new AdbStandIn(devices);
  standIns.push(s);
  return s;
};
after(() => standIns.forEach((s) => s.remove()));

const remove = (serial: string, port: number) => ["-s", serial, "reverse", "--remove", `tcp:${port}`];
const add = (serial: string, port: number) => ["-s", serial, "reverse", `tcp:${port}`, `tcp:${port}`];

describe("usb plugin", () => {
  it("describes itself and validates its options strictly", async () => {
    assert.equal(usbPlugin.id, "usb");
    assert.equal(usbPlugin.kind, "transport");
    const ok = await usbPlugin.options["~standard"].validate({});
    assert.deepEqual("value" in ok ? ok.value : ok, { mode: "adb", protocol: "androidmic", port: 54345 });
    const bad = await usbPlugin.options["~standard"].validate({ mode: "adb", prot: 1 });
    assert.ok(bad.issues && bad.issues.length > 0);
    assert.ok(usbPlugin.create(usbAdbOptions.parse({}), deps) instanceof UsbAdbTransport);
  });
});

describe("UsbAdbTransport", () => {
  it("makes the reverse tunnel, receives AndroidMic on 127.0.0.1, removes the tunnel on dispose", async () => {
    const port = await freePort();
    const adb = standIn(devicesOutput("emulator-5554\toffline", "R58M12ABCDE\tdevice"));
    const usb = new UsbAdbTransport(usbAdbOptions.parse({ adbPath: adb.path, port }), deps);
    const packets: EncodedPacket[] = [];
    const opening = usb.open({ packet: (p) => packets.push(p), malformed() {} }, AbortSignal.timeout(10_000));
    // The phone dials 127.0.0.1:P on its side; adb would carry it here.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const fmt = { sampleRate: 48000, channels: 1 } as const;
    const phone = sendAndroidMic({ host: "127.0.0.1", port, via: "tcp", encoding: "s16", ...fmt, source: toneSource(440, fmt, 0.1) });
    const session = await opening;
    assert.equal((await phone.done).ended, "finished");
    assert.equal((await session.ended).reason, "peer-ended");
    assert.equal(packets.length, 5);
    assert.deepEqual(adb.calls(), [["devices"], remove("R58M12ABCDE", port), add("R58M12ABCDE", port)]);
    await usb.dispose();
    await usb.dispose();
    assert.deepEqual(adb.calls().slice(3), [remove("R58M12ABCDE", port)]);
    for (const call of adb.calls().slice(1)) assert.deepEqual(call.slice(0, 2), ["-s", "R58M12ABCDE"]);
  });

  it("uses the configured serial", async () => {
    const port = await freePort();
    const adb = standIn(devicesOutput("A1\tdevice", "B2\tdevice"));
    const usb = new UsbAdbTransport(usbAdbOptions.parse({ adbPath: adb.path, port, serial: "B2" }), deps);
    const opening = usb.open({ packet() {}, malformed() {} }, AbortSignal.timeout(10_000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Watched before dispose, which rejects it while it still waits for adb.
    const aborted = assert.rejects(opening, (e) => isError(e, ErrorName.Aborted));
    await usb.dispose();
    await aborted;
    assert.deepEqual(adb.calls(), [["devices"], remove("B2", port), add("B2", port), remove("B2", port)]);
  });

  it("fails open with the device's error and makes no tunnel", async () => {
    const port = await freePort();
    const adb = standIn(devicesOutput("A1\tunauthorized"));
    const usb = new UsbAdbTransport(usbAdbOptions.parse({ adbPath: adb.path, port }), deps);
    await assert.rejects(usb.open({ packet() {}, malformed() {} }, AbortSignal.timeout(10_000)), (e) => isError(e, ErrorName.Unreachable) && /prompt/.test(e.hint ?? ""));
    await usb.dispose();
    assert.deepEqual(adb.calls(), [["devices"]]);
  });

  it("fails open when reverse fails, saying why, without falling back to forward", async () => {
    const port = await freePort();
    const adb = standIn(devicesOutput("192.168.1.7:5555\tdevice")).fail("reverse tcp:", "error: closed");
    const usb = new UsbAdbTransport(usbAdbOptions.parse({ adbPath: adb.path, port }), deps);
    await assert.rejects(usb.open({ packet() {}, malformed() {} }, AbortSignal.timeout(10_000)), (e) => isError(e, ErrorName.Unreachable) && /Android 8 and older/.test(e.hint ?? ""));
    await usb.dispose();
    assert.ok(!adb.calls().some((c) => c.includes("forward")));
  });

  it("fails before touching adb when the port is taken", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    const adb = standIn(devicesOutput("A1\tdevice"));
    const usb = new UsbAdbTransport(usbAdbOptions.parse({ adbPath: adb.path, port }), deps);
    await assert.rejects(usb.open({ packet() {}, malformed() {} }, AbortSignal.timeout(10_000)), (e) => isError(e, ErrorName.Resource) && e.message.includes(String(port)));
    await usb.dispose();
    blocker.close();
    assert.deepEqual(adb.calls(), []);
  });

  /** Runs the child fixture until "ready", then `act` on it; resolves with its exit code. */
  async function child(mode: "sigint" | "exit", act: (pid: number) => void): Promise<{ adb: AdbStandIn; port: number; code: number | null }> {
    const port = await freePort();
    const adb = standIn(devicesOutput("A1\tdevice"));
    const script = fileURLToPath(new URL("./fixtures/usb-child.js", import.meta.url));
    const proc = spawn(process.execPath, [script, adb.path, String(port), mode], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
      proc.once("exit", () => reject(new Error("child exited before it was ready")));
    });
    act(proc.pid!);
    return { adb, port, code: await exited };
  }

  it("removes the reverse when the CLI disposes on SIGINT", async () => {
    const { adb, port, code } = await child("sigint", (pid) => process.kill(pid, "SIGINT"));
    assert.equal(code, 130);
    assert.deepEqual(adb.calls(), [["devices"], remove("A1", port), add("A1", port), remove("A1", port)]);
  });

  it("removes the reverse when the process exits without disposing", async () => {
    const { adb, port, code } = await child("exit", () => {});
    assert.equal(code, 0);
    assert.deepEqual(adb.calls(), [["devices"], remove("A1", port), add("A1", port), remove("A1", port)]);
  });
});
