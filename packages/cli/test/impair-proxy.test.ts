// The proxy on real sockets, 127.0.0.1 only. Expected fates come from running the pure plan.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { startImpairProxy, type ImpairProxy } from "../src/impair/proxy.js";
import { ImpairPlan } from "../src/impair/plan.js";
import { impairOptionsSchema, type ImpairOptionsInput } from "../src/impair/options.js";

const HOST = "127.0.0.1";

async function udp(): Promise<Socket> {
  const s = createSocket("udp4");
  s.bind(0, HOST);
  await once(s, "listening");
  return s;
}

/** A target that records numbered datagrams (4-byte index) with their arrival time. */
async function receiver(): Promise<{ socket: Socket; got: { index: number; atMs: number }[] }> {
  const socket = await udp();
  const got: { index: number; atMs: number }[] = [];
  socket.on("message", (m) => got.push({ index: m.readUInt32BE(0), atMs: performance.now() }));
  return { socket, got };
}

/** Sends `n` numbered datagrams to the proxy, `spacingMs` apart; returns the send times. */
async function sendNumbered(proxy: ImpairProxy, n: number, spacingMs: number): Promise<number[]> {
  const sender = await udp();
  const sentAtMs: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = start + i * spacingMs - performance.now();
    if (wait > 0) await sleep(wait);
    const b = Buffer.alloc(4);
    b.writeUInt32BE(i);
    sentAtMs.push(performance.now());
    sender.send(b, proxy.port, HOST);
  }
  await sleep(10);
  sender.close();
  return sentAtMs;
}

/** Waits until the proxy has nothing pending and the receiver has `count` datagrams. */
async function settle(proxy: ImpairProxy, got: unknown[], count: number): Promise<void> {
  for (let t = 0; t < 300 && (proxy.stats().pending > 0 || got.length < count); t++) await sleep(10);
  await sleep(30); // anything extra (a stray duplicate) would show up now
}

async function run(options: Omit<ImpairOptionsInput, "target">, n: number, spacingMs: number) {
  const { socket, got } = await receiver();
  const proxy = await startImpairProxy({ ...options, listen: `${HOST}:0`, target: `${HOST}:${socket.address().port}` });
  const sentAtMs = await sendNumbered(proxy, n, spacingMs);
  const expected = new ImpairPlan<null>(impairOptionsSchema.parse({ ...options, target: `${HOST}:9` }));
  for (let i = 0; i < n; i++) expected.arrive(i * spacingMs, null);
  await settle(proxy, got, n - expected.dropped.total + expected.duplicated.total);
  const stats = proxy.stats();
  await proxy.close();
  socket.close();
  return { got, stats, expected, sentAtMs };
}

test("10 % loss in bursts of 3, 20 ms jitter, seed 42: the receiver gets exactly what the plan forwards", async () => {
  const options = { lossPercent: 10, burstLength: 3, jitterMs: 20, seed: 42 };
  const first = await run(options, 100, 5);
  const again = await run(options, 100, 5);
  const dropped = first.expected.dropped.list();
  assert.deepEqual(dropped, [24, 25, 26, 27, 28, 29, 71, 72, 73, 76, 77, 78, 91, 92, 93]);
  for (const { got, stats } of [first, again]) {
    assert.deepEqual(stats.droppedIndices, dropped);
    assert.equal(stats.received, 100);
    assert.equal(stats.forwarded, 85);
    assert.equal(got.length, 85);
    const all = Array.from({ length: 100 }, (_, i) => i);
    assert.deepEqual(got.map((g) => g.index).sort((a, b) => a - b), all.filter((i) => !dropped.includes(i)));
  }
});

test("no loss, no jitter: everything arrives, in order", async () => {
  const { got, stats } = await run({}, 200, 0);
  assert.deepEqual(got.map((g) => g.index), Array.from({ length: 200 }, (_, i) => i));
  assert.equal(stats.forwarded, 200);
  assert.equal(stats.dropped, 0);
});

test("duplicates show up, once more each, for the packets the plan chose", async () => {
  const { got, stats, expected } = await run({ duplicatePercent: 25, jitterMs: 10, seed: 7 }, 80, 2);
  const dups = expected.duplicated.list();
  assert.ok(dups.length >= 10, `${dups.length} duplicates`);
  assert.deepEqual(stats.duplicatedIndices, dups);
  assert.equal(stats.forwarded, 80 + dups.length);
  const seen = new Map<number, number>();
  for (const g of got) seen.set(g.index, (seen.get(g.index) ?? 0) + 1);
  for (let i = 0; i < 80; i++) assert.equal(seen.get(i), dups.includes(i) ? 2 : 1, `packet ${i}`);
});

test("held packets arrive after reorderGap later ones", async () => {
  const { got, expected } = await run({ reorderPercent: 15, reorderGap: 2, seed: 3 }, 60, 5);
  const held = expected.reordered.list().filter((h) => h < 55);
  assert.ok(held.length >= 3);
  const order = got.map((g) => g.index);
  for (const h of held) assert.equal(order.slice(0, order.indexOf(h)).filter((i) => i > h).length, 2, `packet ${h}`);
});

test("delay is paced against the monotonic clock at 20 ms spacing, without drift", async () => {
  const { got, sentAtMs } = await run({ delayMs: 30 }, 40, 20);
  assert.equal(got.length, 40);
  const latencies = got.map((g) => g.atMs - sentAtMs[g.index]!).sort((a, b) => a - b);
  const shown = `latencies ${latencies.map(Math.round)}`;
  // Never early; late by scheduling noise only. A loaded machine adds outliers, so bound the median.
  assert.ok(latencies[0]! >= 28, shown);
  assert.ok(latencies[20]! < 40, shown);
  // Lateness must not build up: the last packets are no later than the first ones.
  const inOrder = got.map((g) => g.atMs - sentAtMs[g.index]!);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  assert.ok(median(inOrder.slice(-11)) - median(inOrder.slice(0, 11)) < 6, shown);
});

test("bursty delivery: packets leave together every burstDeliveryMs", async () => {
  const { got } = await run({ burstDeliveryMs: 100 }, 30, 20);
  assert.equal(got.length, 30);
  // Receptions less than 8 ms apart belong to one burst. Unbunched, 30 packets would be 30 bursts.
  const bursts = [[got[0]!]];
  for (const g of got.slice(1)) {
    if (g.atMs - bursts.at(-1)!.at(-1)!.atMs < 8) bursts.at(-1)!.push(g);
    else bursts.push([g]);
  }
  const sizes = bursts.map((b) => b.length);
  // 600 ms of sending spans 6 or 7 ticks; a sender running late can shift a packet by one.
  assert.ok(bursts.length >= 5 && bursts.length <= 9 && Math.max(...sizes) <= 8, `burst sizes ${sizes}`);
});

test("a reply from the target reaches the client that asked", async () => {
  const target = await udp();
  target.on("message", (m, from) => target.send(Buffer.concat([Buffer.from("re:"), m]), from.port, from.address));
  const abort = new AbortController();
  const proxy = await startImpairProxy({ listen: `${HOST}:0`, target: `${HOST}:${target.address().port}` }, abort.signal);
  const [a, b] = [await udp(), await udp()];
  const replies = [a, b].map((s) => once(s, "message").then(([m]) => String(m)));
  a.send("hello-a", proxy.port, HOST);
  b.send("hello-b", proxy.port, HOST);
  assert.deepEqual(await Promise.all(replies), ["re:hello-a", "re:hello-b"]);
  const stats = proxy.stats();
  assert.equal(stats.clients, 2);
  assert.equal(stats.replies.forwarded, 2);
  abort.abort();
  for (const s of [a, b, target]) s.close();
});

test("bothDirections impairs the replies too, with their own decisions", async () => {
  const target = await udp();
  target.on("message", (m, from) => target.send(m, from.port, from.address));
  const proxy = await startImpairProxy({ target: `${HOST}:${target.address().port}`, duplicatePercent: 100, bothDirections: true });
  const client = await udp();
  const replies: string[] = [];
  client.on("message", (m) => replies.push(String(m)));
  client.send("ping", proxy.port, HOST);
  for (let t = 0; t < 100 && replies.length < 4; t++) await sleep(5);
  await sleep(30);
  // One request, two copies to the target, two answers, each doubled on the way back.
  assert.deepEqual(replies, ["ping", "ping", "ping", "ping"]);
  const stats = proxy.stats();
  assert.deepEqual([stats.forwarded, stats.replies.received, stats.replies.duplicatedIndices], [2, 2, [0, 1]]);
  await proxy.close();
  client.close();
  target.close();
});

test("closing discards pending datagrams and leaves no timer behind", async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  const before = timers();
  const { socket, got } = await receiver();
  const abort = new AbortController();
  const proxy = await startImpairProxy({ target: `${HOST}:${socket.address().port}`, delayMs: 300 }, abort.signal);
  const sender = await udp();
  sender.send(Buffer.alloc(4), proxy.port, HOST);
  for (let t = 0; t < 100 && proxy.stats().pending === 0; t++) await sleep(5);
  assert.equal(proxy.stats().pending, 1);
  abort.abort();
  await proxy.close();
  assert.equal(timers(), before);
  await sleep(400);
  assert.equal(got.length, 0);
  sender.close();
  socket.close();
});

test("bad options and busy ports fail with named errors", async () => {
  await assert.rejects(startImpairProxy({ target: "127.0.0.1:9", lossPercent: 200 }), { name: "ConfigError" });
  const proxy = await startImpairProxy({ target: "127.0.0.1:9" });
  await assert.rejects(startImpairProxy({ listen: `${HOST}:${proxy.port}`, target: "127.0.0.1:9" }), { name: "ResourceError" });
  await proxy.close();
  await assert.rejects(startImpairProxy({ target: "127.0.0.1:9" }, AbortSignal.abort()), { name: "AbortError" });
});
