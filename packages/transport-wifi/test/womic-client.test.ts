import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { isError } from "@phonemic/core";
import { WomicTransport } from "../src/index.js";
import { closedTcpPort, deps, FakePhone, hex, RecordingSink, seedBytes, seedScript, sleep, u32, udpPortFree, closeAll, track } from "./womic-helpers.js";

afterEach(closeAll);

const signal = () => AbortSignal.timeout(5000);

test("handshake sends the seed's bytes, with the UDP port really bound; close sends stop", async () => {
  const phone = await FakePhone.start(seedScript);
  const transport = new WomicTransport({ host: "127.0.0.1", port: phone.port, timeoutMs: 60_000 }, deps);
  const session = track(await transport.open(new RecordingSink(), signal()));
  const [version, codec, start] = seedBytes("client");
  assert.deepEqual(phone.messages.slice(0, 3), [version, Uint8Array.from([...codec!.subarray(0, 7), ...u32(session.udpPort)]), start]);
  assert.notEqual(session.udpPort, 0);
  assert.equal(session.peer, `127.0.0.1:${phone.port}`);
  assert.deepEqual(session.format, { codec: "opus", sampleRate: 48000, channels: 1 });
  await session.close();
  await session.close();
  assert.deepEqual(await session.ended, { reason: "closed", message: "closed" });
  await sleep(50);
  assert.deepEqual(phone.ofType(104), [hex("68 00000000")]);
  await phone.close();
});

test("with udpPort 49152 the client's bytes equal the seed's exactly", async (t) => {
  if (!(await udpPortFree(49152))) return t.skip("UDP port 49152 is busy here");
  const phone = await FakePhone.start(seedScript);
  const session = track(await new WomicTransport({ host: "127.0.0.1", port: phone.port, udpPort: 49152, timeoutMs: 60_000 }, deps).open(new RecordingSink(), signal()));
  assert.equal(session.udpPort, 49152);
  assert.deepEqual(Uint8Array.from(phone.bytes), Uint8Array.from(Buffer.concat(seedBytes("client"))));
  await session.close();
  await phone.close();
});

test("any 2-byte version reply is accepted", async () => {
  const replies = [hex("65 00000002 0107"), ...seedBytes("phone").slice(1)];
  const phone = await FakePhone.start((i, _m, s) => replies[i] && s.write(replies[i]));
  const session = track(await new WomicTransport({ host: "127.0.0.1", port: phone.port, timeoutMs: 60_000 }, deps).open(new RecordingSink(), signal()));
  await session.close();
  await phone.close();
});

const spaced = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
const steps = ["check version", "set codec", "start"];
const wrongReplies: [string, (step: number) => Uint8Array | "close" | "silent"][] = [
  ["wrong type", () => hex("6a 00000001 00")],
  ["refusal status", (step) => (step === 0 ? hex("65 00000001 00") : hex(`${(0x65 + step).toString(16)} 00000001 01`))],
  ["wrong length", (step) => hex(`${(0x65 + step).toString(16)} 00000003 000000`)],
  ["oversized length", (step) => hex(`${(0x65 + step).toString(16)} 7fffffff`)],
  ["connection closed", () => "close"],
  ["no reply", () => "silent"],
];

for (const [kind, wrong] of wrongReplies) {
  test(`handshake: ${kind} at each step -> ProtocolError naming the step and the bytes`, async () => {
    for (let step = 0; step < 3; step++) {
      const bad = wrong(step);
      const phone = await FakePhone.start((i, _m, s) => {
        if (i < step) s.write(seedBytes("phone")[i]!);
        else if (i === step && bad === "close") s.end();
        else if (i === step && bad instanceof Uint8Array) s.write(bad);
      });
      const transport = new WomicTransport({ host: "127.0.0.1", port: phone.port, connectTimeoutMs: 300 }, deps);
      const err = await transport.open(new RecordingSink(), signal()).then(
        () => assert.fail("open should fail"),
        (e: unknown) => e,
      );
      assert.ok(isError(err, "ProtocolError"), `${kind} at ${steps[step]}: ${String(err)}`);
      assert.match(err.message, new RegExp(`"${steps[step]}"`));
      if (bad instanceof Uint8Array) assert.ok(err.message.includes(spaced(bad)), err.message);
      assert.ok(err.hint);
      await phone.close();
    }
  });
}

test("nothing listening -> UnreachableError, fast, naming host:port with the app hint", async () => {
  const port = await closedTcpPort();
  const started = Date.now();
  const err = await new WomicTransport({ host: "127.0.0.1", port }, deps).open(new RecordingSink(), signal()).catch((e: unknown) => e);
  assert.ok(isError(err, "UnreachableError"), String(err));
  assert.ok(Date.now() - started < 1000);
  assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}: connection refused`));
  assert.match(err.hint ?? "", /"Wi-Fi"/);
  assert.match(err.hint ?? "", /IP address it displays/);
});

test("nothing listening on ::1 -> UnreachableError with a bracketed address", async () => {
  const err = await new WomicTransport({ host: "[::1]", port: await closedTcpPort() }, deps).open(new RecordingSink(), signal()).catch((e: unknown) => e);
  assert.ok(isError(err, "UnreachableError"), String(err));
  assert.match(err.message, /\[::1\]:\d+/);
});

test("an unknown host name -> UnreachableError", async () => {
  const err = await new WomicTransport({ host: "no-such-phone.invalid", connectTimeoutMs: 3000 }, deps).open(new RecordingSink(), signal()).catch((e: unknown) => e);
  assert.ok(isError(err, "UnreachableError"), String(err));
  assert.match(err.message, /no-such-phone\.invalid:8125/);
});

test("UDP port in use -> ResourceError naming the port", async () => {
  const holder = track(createSocket("udp4"));
  await new Promise<void>((resolve) => holder.bind({ port: 0, address: "0.0.0.0" }, resolve));
  const busy = holder.address().port;
  const phone = await FakePhone.start(seedScript);
  const err = await new WomicTransport({ host: "127.0.0.1", port: phone.port, udpPort: busy }, deps).open(new RecordingSink(), signal()).catch((e: unknown) => e);
  assert.ok(isError(err, "ResourceError"), String(err));
  assert.match(err.message, new RegExp(`UDP port ${busy} is already in use`));
  assert.equal(phone.messages.length, 0);
  holder.close();
  await phone.close();
});

test("abort during the handshake -> AbortError, quickly", async () => {
  const phone = await FakePhone.start(() => {});
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const started = Date.now();
  const err = await new WomicTransport({ host: "127.0.0.1", port: phone.port }, deps).open(new RecordingSink(), controller.signal).catch((e: unknown) => e);
  assert.ok(isError(err, "AbortError"), String(err));
  assert.ok(Date.now() - started < 1000);
  const aborted = await new WomicTransport({ host: "127.0.0.1", port: phone.port }, deps).open(new RecordingSink(), AbortSignal.abort()).catch((e: unknown) => e);
  assert.ok(isError(aborted, "AbortError"));
  await phone.close();
});

test("pings go out every pingIntervalMs", async () => {
  const phone = await FakePhone.start(seedScript);
  const session = track(await new WomicTransport({ host: "127.0.0.1", port: phone.port, pingIntervalMs: 100, timeoutMs: 60_000 }, deps).open(new RecordingSink(), signal()));
  await sleep(550);
  const pings = phone.ofType(105);
  assert.ok(pings.length >= 3 && pings.length <= 6, `${pings.length} pings in 550 ms`);
  for (const p of pings) assert.deepEqual(p, hex("69 00000000"));
  await session.close();
  await phone.close();
});

test("the phone closing TCP -> ended resolves peer-ended", async () => {
  const phone = await FakePhone.start((i, m, s) => {
    seedScript(i, m, s);
    if (i === 2) setTimeout(() => s.end(), 50);
  });
  const session = track(await new WomicTransport({ host: "127.0.0.1", port: phone.port, timeoutMs: 60_000 }, deps).open(new RecordingSink(), signal()));
  assert.equal((await session.ended).reason, "peer-ended");
  await phone.close();
});

test("the phone sending stop -> ended resolves peer-ended", async () => {
  const phone = await FakePhone.start((i, m, s) => {
    seedScript(i, m, s);
    if (i === 2) setTimeout(() => s.write(hex("68 00000000")), 50);
  });
  const session = track(await new WomicTransport({ host: "127.0.0.1", port: phone.port, timeoutMs: 60_000 }, deps).open(new RecordingSink(), signal()));
  const end = await session.ended;
  assert.equal(end.reason, "peer-ended");
  assert.match(end.message, /stopped/);
  await phone.close();
});

test("a reset connection -> ended resolves link-lost", async () => {
  const phone = await FakePhone.start((i, m, s) => {
    seedScript(i, m, s);
    if (i === 2) setTimeout(() => s.resetAndDestroy(), 50);
  });
  const session = track(await new WomicTransport({ host: "127.0.0.1", port: phone.port, timeoutMs: 60_000 }, deps).open(new RecordingSink(), signal()));
  assert.equal((await session.ended).reason, "link-lost");
  await phone.close();
});

test("no datagrams after start -> link-lost after timeoutMs", async () => {
  const phone = await FakePhone.start(seedScript);
  const started = Date.now();
  const session = track(await new WomicTransport({ host: "127.0.0.1", port: phone.port, timeoutMs: 300 }, deps).open(new RecordingSink(), signal()));
  const end = await session.ended;
  const took = Date.now() - started;
  assert.equal(end.reason, "link-lost");
  assert.match(end.message, /no audio .* for 300 ms/);
  assert.ok(took >= 290 && took < 1500, `${took} ms`);
  await phone.close();
});

test("dispose closes open sessions", async () => {
  const phone = await FakePhone.start(seedScript);
  const transport = new WomicTransport({ host: "127.0.0.1", port: phone.port, timeoutMs: 60_000 }, deps);
  const session = track(await transport.open(new RecordingSink(), signal()));
  await transport.dispose();
  assert.equal((await session.ended).reason, "closed");
  await transport.dispose();
  await phone.close();
});
