/** The Adb class against a stand-in adb: device states, errors, and the exact arguments. */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ErrorName, isError } from "@phonemic/core";
import { Adb, parseAdbDevices } from "../src/index.js";
import { AdbStandIn, devicesOutput } from "./adb-standin.js";

const signal = () => AbortSignal.timeout(10_000);
const standIns: AdbStandIn[] = [];
const standIn = (devices: string) => {
  const s = new AdbStandIn(devices);
  standIns.push(s);
  return s;
};
after(() => standIns.forEach((s) => s.remove()));

describe("adb devices", () => {
  it("parses SERIAL<TAB>STATE lines and skips the header and daemon lines", () => {
    const out = devicesOutput("R58M12ABCDE\tdevice", "0123456789AB\tunauthorized", "emulator-5554\toffline",
      "ZY22ABCDEF\tno permissions (user in plugdev group; are your udev rules wrong?); see [http://developer.android.com/tools/device.html]");
    assert.deepEqual(parseAdbDevices(out).map((d) => [d.serial, d.state.slice(0, 14)]), [
      ["R58M12ABCDE", "device"],
      ["0123456789AB", "unauthorized"],
      ["emulator-5554", "offline"],
      ["ZY22ABCDEF", "no permissions"],
    ]);
    assert.deepEqual(parseAdbDevices("List of devices attached\n\n"), []);
  });
});

describe("Adb.pickDevice", () => {
  const pick = (devices: string, serial?: string) => new Adb(standIn(devices).path).pickDevice(serial, signal());

  it("takes the only phone in state device, ignoring the others", async () => {
    assert.equal((await pick(devicesOutput("A1\tdevice"))).serial, "A1");
    assert.equal((await pick(devicesOutput("B1\toffline", "A1\tdevice", "C1\tunauthorized"))).serial, "A1");
  });

  it("takes the asked serial among several", async () => {
    assert.equal((await pick(devicesOutput("A1\tdevice", "B2\tdevice"), "B2")).serial, "B2");
  });

  const failures: Array<[string, string, string | undefined, string, RegExp, RegExp]> = [
    ["no phone", devicesOutput(), undefined, ErrorName.Unreachable, /adb sees no phone/, /enable USB debugging/],
    ["unauthorized", devicesOutput("A1\tunauthorized"), undefined, ErrorName.Unreachable, /A1 has not authorised/, /accept the "Allow USB debugging\?" prompt/],
    ["offline", devicesOutput("A1\toffline"), undefined, ErrorName.Unreachable, /A1 is offline/, /replug/],
    ["no permissions", devicesOutput("A1\tno permissions (user in plugdev group; are your udev rules wrong?)"), undefined, ErrorName.Unreachable, /no permission to open phone A1/, /udev/],
    ["several", devicesOutput("A1\tdevice", "B2\tdevice"), undefined, ErrorName.Config, /several phones are connected: A1 \(device\), B2 \(device\)/, /set `serial`/],
    ["asked serial absent", devicesOutput("A1\tdevice"), "Z9", ErrorName.Unreachable, /phone Z9 is not connected \(adb sees A1 \(device\)\)/, /correct `serial`/],
    ["asked serial unauthorized", devicesOutput("A1\tdevice", "Z9\tunauthorized"), "Z9", ErrorName.Unreachable, /Z9 has not authorised/, /prompt/],
    ["none ready among several", devicesOutput("A1\toffline", "B2\tunauthorized"), undefined, ErrorName.Unreachable, /no phone is ready for adb: A1 \(offline\), B2 \(unauthorized\)/, /prompt/],
  ];
  for (const [name, devices, serial, errorName, message, hint] of failures) {
    it(`says what to do: ${name}`, async () => {
      await assert.rejects(pick(devices, serial), (e) => {
        assert.ok(isError(e, errorName), `${(e as Error).name}: ${(e as Error).message}`);
        assert.match(e.message, message);
        assert.match(e.hint ?? "", hint);
        return true;
      });
    });
  }

  it("says adb is missing and how to install it", async () => {
    const missing = new Adb(join(standIn("").dir, "no-such-adb"));
    await assert.rejects(missing.devices(signal()), (e) => isError(e, ErrorName.Resource) && /adb was not found at/.test(e.message) && /sudo apt install adb/.test(e.hint ?? ""));
    const env = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await assert.rejects(new Adb().devices(signal()), (e) => isError(e, ErrorName.Resource) && /not found in PATH/.test(e.message));
    } finally {
      process.env.PATH = env;
    }
  });

  it("reports a failing adb with its own words", async () => {
    const s = standIn("").fail("devices", "adb: cannot connect to daemon at tcp:5037: Connection refused");
    await assert.rejects(new Adb(s.path).devices(signal()), (e) => isError(e, ErrorName.Unreachable) && /adb devices failed: adb: cannot connect to daemon/.test(e.message));
  });
});

describe("Adb tunnels", () => {
  it("reverse: removes a stale reverse (ignoring failure), then adds it, always with -s", async () => {
    const s = standIn(devicesOutput("A1\tdevice")).fail("--remove", "adb: error: listener 'tcp:54345' not found");
    assert.equal(await new Adb(s.path).reverse("A1", 54345, false, signal()), "reverse");
    assert.deepEqual(s.calls(), [
      ["-s", "A1", "reverse", "--remove", "tcp:54345"],
      ["-s", "A1", "reverse", "tcp:54345", "tcp:54345"],
    ]);
  });

  it("reverse failing where the protocol cannot use forward: says why, never forwards", async () => {
    const s = standIn("").fail("reverse tcp:", "adb: error: more than one device/emulator");
    await assert.rejects(new Adb(s.path).reverse("A1", 54345, false, signal()), (e) => {
      assert.ok(isError(e, ErrorName.Unreachable));
      assert.match(e.message, /cannot set up adb reverse on phone A1: .*more than one device/);
      assert.match(e.hint ?? "", /the phone dials the PC.*adb-over-TCP/s);
      assert.match(e.hint ?? "", /Android 8 and older/);
      return true;
    });
    assert.ok(!s.calls().some((c) => c.includes("forward")));
  });

  it("reverse failing where the protocol allows it: falls back to forward", async () => {
    const s = standIn("").fail("reverse tcp:", "error: closed");
    assert.equal(await new Adb(s.path).reverse("A1", 8125, true, signal()), "forward");
    assert.deepEqual(s.calls().at(-1), ["-s", "A1", "forward", "tcp:8125", "tcp:8125"]);
  });

  it("forward and its removal", async () => {
    const s = standIn("");
    const adb = new Adb(s.path);
    await adb.forward("A1", 18125, 8125, signal());
    await adb.removeForward("A1", 18125, signal());
    assert.deepEqual(s.calls(), [
      ["-s", "A1", "forward", "tcp:18125", "tcp:8125"],
      ["-s", "A1", "forward", "--remove", "tcp:18125"],
    ]);
  });

  it("an aborted command rejects with AbortError", async () => {
    const s = standIn("");
    await assert.rejects(new Adb(s.path).devices(AbortSignal.abort()), (e) => isError(e, ErrorName.Aborted));
  });
});
