import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { connect, createServer, type Socket } from "node:net";
import { isError, toneSource } from "@phonemic/core";
import { packetDueMs, serveWomic, WomicTransport } from "../src/index.js";
import { deps, hex, RecordingSink, seedBytes, sleep, u32, closeAll, track } from "./womic-helpers.js";

afterEach(closeAll);

const tone = (seconds = Infinity) => toneSource(440, { sampleRate: 48000, channels: 1 }, seconds);

test("schedule: packet n is due at start + n x 20 ms, independent of earlier packets", () => {
  assert.equal(packetDueMs(1000, 0, 20), 1000);
  assert.equal(packetDueMs(1000, 1, 20), 1020);
  assert.equal(packetDueMs(1000, 50_000, 20), 1000 + 1_000_000);
});

test("schedule: a fast sender clock (+ppm) sends sooner, a slow one (-ppm) later", () => {
  const n = 180_000; // one hour of packets
  const nominal = packetDueMs(0, n, 20);
  const fast = packetDueMs(0, n, 20, 500);
  const slow = packetDueMs(0, n, 20, -500);
  assert.ok(fast < nominal && slow > nominal);
  assert.ok(Math.abs(nominal - fast - 3_600_000 * 500e-6) < 1e-6, "500 ppm = 1.8 s per hour");
  assert.ok(Math.abs(slow - nominal - 1800) < 1e-6);
  assert.ok(packetDueMs(0, 2, 20, 1e5) - packetDueMs(0, 1, 20, 1e5) < 20);
});

/** Plays the PC by hand: raw TCP, the seed's handshake bytes, a UDP socket for audio. */
async function rawClient(port: number, host = "127.0.0.1") {
  const udp = createSocket("udp4");
  await new Promise<void>((resolve) => udp.bind({ address: "127.0.0.1", port: 0 }, resolve));
  let datagrams = 0;
  udp.on("message", () => datagrams++);
  const socket: Socket = connect({ host, port });
  const received: number[] = [];
  socket.on("data", (chunk) => received.push(...chunk));
  socket.on("error", () => {});
  const [version, codec, start] = seedBytes("client");
  socket.write(Buffer.concat([version!, codec!.subarray(0, 7), u32(udp.address().port), start!]));
  return track({
    socket,
    received,
    datagrams: () => datagrams,
    close: () => {
      socket.destroy();
      udp.close();
    },
  });
}

test("the sender answers the seed's handshake with the seed's phone bytes, then streams", async () => {
  const phone = track(await serveWomic({ host: "127.0.0.1", port: 0, source: tone() }));
  const client = await rawClient(phone.port);
  for (let waited = 0; client.datagrams() < 5 && waited < 3000; waited += 20) await sleep(20);
  assert.deepEqual(Uint8Array.from(client.received), Uint8Array.from(Buffer.concat(seedBytes("phone"))));
  assert.ok(client.datagrams() >= 5, `${client.datagrams()} datagrams`);
  client.close();
  const summary = await phone.done;
  assert.equal(summary.lastStop, "disconnected");
});

test("the sender stops when pings stop arriving", async () => {
  const phone = track(await serveWomic({ host: "127.0.0.1", port: 0, source: tone(), pingTimeoutMs: 300 }));
  const client = await rawClient(phone.port);
  const started = Date.now();
  const summary = await phone.done;
  assert.equal(summary.lastStop, "ping-timeout");
  assert.ok(Date.now() - started < 1000);
  const count = client.datagrams();
  await sleep(100);
  assert.equal(client.datagrams(), count, "no audio after the stop");
  client.close();
});

test("pings keep the sender streaming; stop (104) ends it", async () => {
  const phone = track(await serveWomic({ host: "127.0.0.1", port: 0, source: tone(), pingTimeoutMs: 300 }));
  const session = track(await new WomicTransport({ host: "127.0.0.1", port: phone.port, pingIntervalMs: 100 }, deps).open(new RecordingSink(), AbortSignal.timeout(5000)));
  await sleep(700);
  await session.close();
  const summary = await phone.done;
  assert.equal(summary.lastStop, "stopped");
  assert.ok(summary.packetsSent >= 30, `${summary.packetsSent} packets`);
});

test("once: false serves PCs one after another until closed", async () => {
  const phone = track(await serveWomic({ host: "127.0.0.1", port: 0, source: () => tone(0.1), once: false }));
  for (let i = 0; i < 2; i++) {
    const sink = new RecordingSink();
    const session = track(await new WomicTransport({ host: "127.0.0.1", port: phone.port }, deps).open(sink, AbortSignal.timeout(5000)));
    assert.equal((await session.ended).reason, "peer-ended");
    assert.equal(sink.packets.length, 5);
  }
  const summary = await phone.close();
  assert.deepEqual(summary, { clients: 2, packetsSent: 10, bytesSent: summary.bytesSent, lastStop: "source-ended" });
  assert.deepEqual(await phone.done, summary);
});

test("durationMs cuts an endless source; the abort signal closes the sender", async () => {
  const limited = track(await serveWomic({ host: "127.0.0.1", port: 0, source: tone(), durationMs: 200 }));
  const sink = new RecordingSink();
  const session = track(await new WomicTransport({ host: "127.0.0.1", port: limited.port }, deps).open(sink, AbortSignal.timeout(5000)));
  await session.ended;
  assert.equal(sink.packets.length, 10);
  assert.equal((await limited.done).packetsSent, 10);

  const controller = new AbortController();
  const idle = track(await serveWomic({ host: "127.0.0.1", port: 0, source: tone(), signal: controller.signal }));
  controller.abort();
  assert.deepEqual(await idle.done, { clients: 0, packetsSent: 0, bytesSent: 0, lastStop: undefined });
});

test("sender: TCP port in use -> ResourceError naming the port; wrong source format -> ConfigError", async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen({ host: "127.0.0.1", port: 0 }, resolve));
  track(holder);
  const port = (holder.address() as { port: number }).port;
  const err = await serveWomic({ host: "127.0.0.1", port, source: tone() }).catch((e: unknown) => e);
  assert.ok(isError(err, "ResourceError"), String(err));
  assert.match(err.message, new RegExp(`TCP port ${port}`));
  holder.close();
  const stereo = toneSource(440, { sampleRate: 44100, channels: 2 }, 1);
  const bad = await serveWomic({ port: 0, source: stereo }).catch((e: unknown) => e);
  assert.ok(isError(bad, "ConfigError"), String(bad));
});

test("the sender refuses start before set codec", async () => {
  const phone = track(await serveWomic({ host: "127.0.0.1", port: 0, source: tone() }));
  const socket = connect({ host: "127.0.0.1", port: phone.port });
  track({ close: () => socket.destroy() });
  const received: number[] = [];
  socket.on("data", (chunk) => received.push(...chunk));
  socket.write(hex("67 00000000"));
  await sleep(100);
  assert.deepEqual(Uint8Array.from(received), hex("67 00000001 01"));
  socket.destroy();
  await phone.done;
});
