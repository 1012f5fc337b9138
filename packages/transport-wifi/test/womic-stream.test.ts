import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { OpusDecoder, toneSource } from "@phonemic/core";
import { encodeAudioDatagram, sendDatagrams, serveWomic, WomicTransport, type WomicSenderOptions } from "../src/index.js";
import { deps, RecordingSink, closeAll, track } from "./womic-helpers.js";

afterEach(closeAll);

const mono48k = { sampleRate: 48000, channels: 1 };

/** Streams `seconds` of tone from a sender on `phoneHost` to a client dialling `dialHost`. */
async function stream(phoneHost: string, dialHost: string, seconds: number, extra: Partial<WomicSenderOptions> = {}, during?: (udpPort: number, sink: RecordingSink) => Promise<void>) {
  const phone = track(await serveWomic({ host: phoneHost, port: 0, source: toneSource(440, mono48k, seconds), ...extra }));
  const sink = new RecordingSink();
  const session = track(await new WomicTransport({ host: dialHost, port: phone.port }, deps).open(sink, AbortSignal.timeout(5000)));
  await during?.(session.udpPort, sink);
  const end = await session.ended;
  const summary = await phone.done;
  return { sink, end, summary };
}

function assertInOrder(sink: RecordingSink, count: number): void {
  assert.equal(sink.packets.length, count);
  const decoder = new OpusDecoder({ codec: "opus", sampleRate: 48000, channels: 1 });
  const pcm = new Int16Array(5760);
  sink.packets.forEach((p, n) => {
    assert.equal(p.seq, n);
    assert.equal(p.timestampMs, n * 20);
    assert.equal(decoder.decode(p.payload, pcm), 960, `packet ${n} decodes to 20 ms`);
  });
  decoder.dispose();
}

for (const [phoneHost, dialHost] of [["127.0.0.1", "127.0.0.1"], ["::1", "::1"], ["::", "127.0.0.1"]] as const) {
  test(`client receives serveWomic's stream (sender on ${phoneHost}, dialled at ${dialHost})`, async () => {
    const { sink, end, summary } = await stream(phoneHost, dialHost, 0.4);
    assert.equal(end.reason, "peer-ended");
    assert.deepEqual(sink.malformedReasons, []);
    assert.equal(summary.clients, 1);
    assert.equal(summary.packetsSent, 20);
    assert.equal(summary.lastStop, "source-ended");
    assertInOrder(sink, 20);
  });
}

test("bad datagrams mixed into the stream are skipped and counted; every real packet arrives", async () => {
  const fake = encodeAudioDatagram({ seq: 3, timestampMs: 60, volume: 5 }, Uint8Array.of(0xf8, 0xff, 0xfe));
  const wrongKind = fake.slice();
  wrongKind[0] = 0x07;
  // Sent from the phone's own socket, so they pass the source check and fail the parser.
  const fromPhone: Record<number, Uint8Array[]> = {
    3: [Uint8Array.of(1, 2, 3)],
    5: [wrongKind, fake.subarray(0, fake.length - 1)],
    8: [Uint8Array.from([...fake, 0]), new Uint8Array(0)],
  };
  const { sink, summary } = await stream("127.0.0.1", "127.0.0.1", 0.6, { inject: (n) => fromPhone[n] }, async (udpPort, sink) => {
    await sink.waitForPackets(2);
    // Well-formed audio from another address (::1 is not the phone at 127.0.0.1): must not play.
    await sendDatagrams("::1", udpPort, [fake, fake, Uint8Array.of(9)], "::1");
  });
  assert.equal(summary.packetsSent, 30);
  assertInOrder(sink, 30);
  const reasons = sink.malformedReasons;
  assert.equal(reasons.filter((r) => r === "wrong source").length, 3);
  assert.equal(reasons.filter((r) => /too short/.test(r)).length, 2);
  assert.equal(reasons.filter((r) => /wrong datagram kind 0x07/.test(r)).length, 1);
  assert.equal(reasons.filter((r) => /length mismatch/.test(r)).length, 2);
  assert.equal(reasons.length, 8);
});

test("arrivals are paced in real time: n packets take about n x 20 ms", async () => {
  const { sink } = await stream("127.0.0.1", "127.0.0.1", 1);
  assert.equal(sink.packets.length, 50);
  const first = sink.packets[0]!.arrivalMs;
  const span = sink.packets[49]!.arrivalMs - first;
  assert.ok(span > 49 * 20 - 60 && span < 49 * 20 + 100, `49 intervals took ${span.toFixed(1)} ms`);
  // No drift: each packet lands near its own slot, not just on average.
  sink.packets.forEach((p, n) => assert.ok(Math.abs(p.arrivalMs - first - n * 20) < 100, `packet ${n} at ${(p.arrivalMs - first).toFixed(1)} ms`));
});

test("udpTo sends the audio through a relay (an impairment proxy) instead of straight to the PC", async () => {
  const relay = track(createSocket("udp4"));
  await new Promise<void>((resolve) => relay.bind({ address: "127.0.0.1", port: 0 }, resolve));
  let forwardTo: number | undefined;
  const queued: Buffer[] = [];
  let relayed = 0;
  relay.on("message", (msg) => {
    relayed++;
    if (forwardTo === undefined) queued.push(msg);
    else relay.send(msg, forwardTo, "127.0.0.1");
  });
  const { sink, summary } = await stream("127.0.0.1", "127.0.0.1", 0.2, { udpTo: { host: "127.0.0.1", port: relay.address().port } }, async (udpPort) => {
    forwardTo = udpPort;
    for (const msg of queued.splice(0)) relay.send(msg, udpPort, "127.0.0.1");
  });
  assert.equal(summary.packetsSent, 10);
  assert.equal(relayed, 10);
  assertInOrder(sink, 10);
});
