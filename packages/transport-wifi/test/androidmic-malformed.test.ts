/**
 * Malformed input from a phone: skipped with a counted reason where the framing survives,
 * the connection dropped where it does not; the process keeps going either way.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { decodeDatagram, encodeAudioFrame, encodeWrapperFrame, frame } from "../src/androidmic/wire.js";
import { delay, makeTransport, rawTcpPhone, RecordingSink } from "./androidmic-helpers.js";

const good = { buffer: new Uint8Array([1, 0, 2, 0]), sampleRate: 44100, channelCount: 1, audioFormat: 2 };
const bad = (over: Partial<typeof good>) => ({ ...good, ...over });

describe("AndroidMic over TCP, malformed frames", () => {
  const { transport, logger } = makeTransport({ via: "tcp", maxFrameBytes: 64 * 1024 });
  after(() => transport.dispose());

  it("skips frames it cannot use and keeps the connection", async () => {
    const port = await transport.listen(AbortSignal.timeout(2000));
    const sink = new RecordingSink();
    const opening = transport.open(sink, AbortSignal.timeout(2000));
    const phone = await rawTcpPhone(port);
    const session = await opening;
    const truncated = encodeAudioFrame(bad({ buffer: new Uint8Array(40) })).subarray(4, 20);
    const stream = Buffer.concat([
      encodeAudioFrame(good),
      frame(truncated),
      encodeAudioFrame(bad({ audioFormat: 9 })),
      encodeAudioFrame(bad({ channelCount: 0 })),
      encodeAudioFrame(bad({ sampleRate: 100 })),
      encodeAudioFrame(bad({ buffer: new Uint8Array(3) })),
      encodeAudioFrame(good),
    ]);
    // Dribbled in small pieces: frames straddle TCP reads.
    for (let at = 0; at < stream.length; at += 7) phone.write(stream.subarray(at, at + 7));
    await sink.until(() => sink.packets.length === 2);
    assert.equal(sink.malformedReasons.length, 5);
    assert.match(sink.malformedReasons[0]!, /truncated or invalid protobuf/);
    assert.match(sink.malformedReasons[1]!, /unknown audio_format 9/);
    assert.match(sink.malformedReasons[2]!, /channel count 0/);
    assert.match(sink.malformedReasons[3]!, /sample rate 100/);
    assert.match(sink.malformedReasons[4]!, /whole number of frames/);
    phone.end();
    assert.equal((await session.ended).reason, "peer-ended");
  });

  it("drops the connection on a length over the cap, without allocating it", async () => {
    const port = await transport.listen(AbortSignal.timeout(2000));
    const sink = new RecordingSink();
    const opening = transport.open(sink, AbortSignal.timeout(2000));
    const phone = await rawTcpPhone(port);
    const session = await opening;
    const before = process.memoryUsage().arrayBuffers;
    phone.write(Buffer.concat([encodeAudioFrame(good), Buffer.from([0xff, 0xff, 0xff, 0xf0]), Buffer.alloc(100)]));
    const end = await session.ended;
    assert.equal(end.reason, "link-lost");
    assert.match(end.message, /4294967280 bytes exceeds the 65536-byte limit/);
    assert.equal(sink.packets.length, 1);
    assert.match(sink.malformedReasons.at(-1)!, /exceeds/);
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 << 20);
    await new Promise<void>((resolve) => phone.once("close", () => resolve()).resume());
    assert.equal(logger.lines.filter((l) => l.startsWith("warn:") && l.includes("4294967280")).length, 1);
  });

  it("turns away a client that is not AndroidMic and keeps listening", async () => {
    const port = await transport.listen(AbortSignal.timeout(2000));
    const client = connect({ host: "127.0.0.1", port });
    client.write("GET / HTTP/1.1\r\n\r\n");
    await new Promise<void>((resolve) => client.once("close", () => resolve()).resume());
    assert.equal(logger.count("not the AndroidMic app"), 1);
    const sink = new RecordingSink();
    const opening = transport.open(sink, AbortSignal.timeout(2000));
    const phone = await rawTcpPhone(port);
    const session = await opening;
    phone.end(encodeAudioFrame(good));
    assert.equal((await session.ended).reason, "peer-ended");
    assert.equal(sink.packets.length, 1);
  });
});

describe("AndroidMic, random bytes", () => {
  it("survives garbage after the hello on TCP and from the connected phone on UDP", async () => {
    const { transport } = makeTransport({ via: "both", maxFrameBytes: 4096, silenceTimeoutMs: 1000 });
    const port = await transport.listen(AbortSignal.timeout(2000));
    let seed = 7;
    const random = (n: number) => Buffer.from(Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff));
    for (let round = 0; round < 20; round++) {
      const sink = new RecordingSink();
      const opening = transport.open(sink, AbortSignal.timeout(2000));
      const phone = await rawTcpPhone(port);
      const session = await opening;
      // Small length prefixes keep most frames inside the cap, so the decoder sees the garbage.
      for (let i = 0; i < 20; i++) phone.write(Buffer.concat([frame(random(i * 7)), random(i % 3)]));
      phone.end();
      const end = await session.ended;
      assert.ok(end.reason === "peer-ended" || end.reason === "link-lost");
    }
    const sink = new RecordingSink();
    const opening = transport.open(sink, AbortSignal.timeout(2000));
    const phone = createSocket("udp4");
    await new Promise<void>((resolve) => phone.connect(port, "127.0.0.1", () => resolve()));
    phone.send(encodeWrapperFrame({ kind: "connect" }));
    const session = await opening;
    for (let i = 0; i < 200; i++) phone.send(i % 2 ? frame(random(i % 50)) : random(i % 60));
    phone.send(encodeWrapperFrame({ kind: "audio", seq: 1, audio: good }));
    await sink.until(() => sink.packets.length === 1);
    assert.ok(sink.malformedReasons.length >= 150);
    phone.close();
    await transport.dispose();
    assert.equal((await session.ended).reason, "closed");
  });
});

describe("AndroidMic over UDP, malformed datagrams", () => {
  const { transport, logger } = makeTransport({ via: "udp" });
  after(() => transport.dispose());

  it("skips bad datagrams from the phone and plays the good ones", async () => {
    const port = await transport.listen(AbortSignal.timeout(2000));
    const sink = new RecordingSink();
    const opening = transport.open(sink, AbortSignal.timeout(2000));
    const phone = createSocket("udp4");
    const answers: string[] = [];
    phone.on("message", (m) => answers.push(m.toString("latin1")));
    await new Promise<void>((resolve) => phone.connect(port, "127.0.0.1", () => resolve()));
    phone.send(encodeWrapperFrame({ kind: "connect" }));
    const session = await opening;
    const audio = (seq: number, a = good) => encodeWrapperFrame({ kind: "audio", seq, audio: a });
    const lengthLie = audio(1);
    lengthLie.writeUInt32BE(lengthLie.length, 0);
    const truncated = frame(audio(2).subarray(4, 12));
    assert.equal(typeof decodeDatagram(truncated), "string");
    for (const d of [audio(0), lengthLie, truncated, audio(3, bad({ audioFormat: 99 })), audio(4, bad({ channelCount: 0 })), audio(0x10005)]) {
      phone.send(d);
      await delay(5);
    }
    await sink.until(() => sink.packets.length === 2 && sink.malformedReasons.length === 4);
    assert.deepEqual(sink.packets.map((p) => p.seq), [0, 5]); // 0x10005 wraps to 5
    assert.match(sink.malformedReasons.join("|"), /length field says.*truncated or invalid.*audio_format 99.*channel count 0/);
    assert.deepEqual(answers, ["AndroidMic2"]);

    // A stranger's audio is ignored (and said once), not mixed in.
    const stranger = createSocket("udp4");
    for (let i = 0; i < 3; i++) stranger.send(audio(i), port, "127.0.0.1");
    await delay(100);
    assert.equal(sink.packets.length, 2);
    assert.equal(logger.count("has not connected"), 1);
    stranger.close();
    phone.close();
    await session.close();
    assert.equal((await session.ended).reason, "closed");
  });
});
