/**
 * One phone at a time, sessions ending for the right reason, listeners that outlive sessions,
 * and a clear error when the port is taken.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { ErrorName, isError, toneSource } from "@phonemic/core";
import { sendAndroidMic, type SendAndroidMicOptions } from "../src/androidmic/index.js";
import { encodeAudioFrame, encodeWrapperFrame } from "../src/androidmic/wire.js";
import { delay, makeTransport, rawTcpPhone, RecordingSink } from "./androidmic-helpers.js";

const fmt = { sampleRate: 8000, channels: 1 } as const;
const audio = { buffer: new Uint8Array(160), sampleRate: 8000, channelCount: 1, audioFormat: 2 };
const endless = (port: number, via: "tcp" | "udp", host = "127.0.0.1"): SendAndroidMicOptions => ({
  host, port, via, encoding: "s16", ...fmt, source: toneSource(440, fmt), packetMs: 10,
});

describe("AndroidMic sessions", () => {
  it("refuses a second phone while one streams over TCP", async () => {
    const { transport, logger } = makeTransport({ via: "tcp" });
    const port = await transport.listen(AbortSignal.timeout(2000));
    const sink = new RecordingSink();
    const opening = transport.open(sink, AbortSignal.timeout(2000));
    const a = sendAndroidMic(endless(port, "tcp"));
    const session = await opening;
    await sink.until(() => sink.packets.length > 2);
    const b = sendAndroidMic(endless(port, "tcp"));
    await assert.rejects(b.done, (e) => isError(e, ErrorName.Unreachable) && /closed the connection without answering/.test(e.message));
    assert.equal(logger.count(`another phone is already streaming from ${session.peer}`), 1);
    a.close();
    assert.equal((await a.done).ended, "closed");
    assert.equal((await session.ended).reason, "peer-ended");
    await transport.dispose();
  });

  it("refuses a second phone while one streams over UDP, logging it once", async () => {
    const { transport, logger } = makeTransport({ via: "udp" });
    const port = await transport.listen(AbortSignal.timeout(2000));
    const sink = new RecordingSink();
    const opening = transport.open(sink, AbortSignal.timeout(2000));
    const a = sendAndroidMic(endless(port, "udp"));
    const session = await opening;
    const b = sendAndroidMic(endless(port, "udp"));
    await assert.rejects(b.done, (e) => isError(e, ErrorName.Unreachable) && /no "AndroidMic2"/.test(e.message));
    assert.equal(logger.count("another phone is already streaming"), 1);
    assert.ok(sink.packets.length > 10);
    a.close();
    await session.close();
    assert.equal((await session.ended).reason, "closed");
    await transport.dispose();
  });

  it("lets a new phone replace one that went silent", async () => {
    const { transport } = makeTransport({ via: "tcp", silenceTimeoutMs: 300 });
    const port = await transport.listen(AbortSignal.timeout(2000));
    const sinkA = new RecordingSink();
    const openingA = transport.open(sinkA, AbortSignal.timeout(2000));
    const phoneA = await rawTcpPhone(port);
    const sessionA = await openingA;
    phoneA.write(encodeAudioFrame(audio));
    await sinkA.until(() => sinkA.packets.length === 1);
    const closedA = new Promise<void>((resolve) => phoneA.once("close", () => resolve()).resume());
    await delay(400); // A says nothing more
    const sinkB = new RecordingSink();
    const openingB = transport.open(sinkB, AbortSignal.timeout(2000));
    const phoneB = await rawTcpPhone(port);
    const sessionB = await openingB;
    const endA = await sessionA.ended;
    assert.equal(endA.reason, "link-lost");
    await closedA;
    phoneB.end(encodeAudioFrame(audio));
    assert.equal((await sessionB.ended).reason, "peer-ended");
    assert.equal(sinkB.packets.length, 1);
    assert.notEqual(sessionA.peer, sessionB.peer);
    await transport.dispose();
  });

  it("parks a phone that connects before open, and replaces it only once it is silent", async () => {
    const { transport, logger } = makeTransport({ via: "tcp", silenceTimeoutMs: 300 });
    const port = await transport.listen(AbortSignal.timeout(2000));
    const phoneA = await rawTcpPhone(port); // nobody in open(): answered and parked
    await assert.rejects(rawTcpPhone(port), /closed before answering/); // A holds the place
    assert.equal(logger.count("another phone is already streaming"), 1);
    await delay(350);
    const phoneB = await rawTcpPhone(port); // A is silent now: B takes the place
    await new Promise<void>((resolve) => phoneA.once("close", () => resolve()).resume());
    const sink = new RecordingSink();
    const session = await transport.open(sink, AbortSignal.timeout(2000));
    assert.equal(session.peer, `127.0.0.1:${phoneB.localPort}`);
    phoneB.end(encodeAudioFrame(audio));
    assert.equal((await session.ended).reason, "peer-ended");
    assert.equal(sink.packets.length, 1);
    await transport.dispose();
  });

  it("with multiple: replace, a new phone takes over at once", async () => {
    const { transport } = makeTransport({ via: "tcp", multiple: "replace" });
    const port = await transport.listen(AbortSignal.timeout(2000));
    const openingA = transport.open(new RecordingSink(), AbortSignal.timeout(2000));
    const a = sendAndroidMic(endless(port, "tcp"));
    const sessionA = await openingA;
    const openingB = transport.open(new RecordingSink(), AbortSignal.timeout(2000));
    const b = sendAndroidMic(endless(port, "tcp"));
    const sessionB = await openingB;
    const endA = await sessionA.ended;
    assert.equal(endA.reason, "link-lost");
    assert.match(endA.message, /replaced by/);
    assert.equal((await a.done).ended, "pc-closed");
    await sessionB.close();
    assert.equal((await sessionB.ended).reason, "closed");
    assert.equal((await b.done).ended, "pc-closed");
    await transport.dispose();
  });

  it("ends a silent UDP session as link-lost and takes the same phone back when it resumes", async () => {
    const { transport } = makeTransport({ via: "udp", silenceTimeoutMs: 200 });
    const port = await transport.listen(AbortSignal.timeout(2000));
    const phone = createSocket("udp4");
    await new Promise<void>((resolve) => phone.connect(port, "127.0.0.1", () => resolve()));
    const opening = transport.open(new RecordingSink(), AbortSignal.timeout(2000));
    phone.send(encodeWrapperFrame({ kind: "connect" }));
    const first = await opening;
    const end = await first.ended;
    assert.equal(end.reason, "link-lost");
    assert.match(end.message, /nothing from 127\.0\.0\.1:\d+ \(UDP\) for \d+ ms/);
    const sink = new RecordingSink();
    const reopening = transport.open(sink, AbortSignal.timeout(2000));
    phone.send(encodeWrapperFrame({ kind: "audio", seq: 40, audio }));
    const second = await reopening;
    await sink.until(() => sink.packets.length === 1);
    assert.equal(second.peer, first.peer);
    phone.close();
    await transport.dispose();
    assert.equal((await second.ended).reason, "closed");
  });

  it("cancels a waiting open by its signal, and on dispose", async () => {
    const { transport } = makeTransport();
    const controller = new AbortController();
    const opening = transport.open(new RecordingSink(), controller.signal);
    await delay(20);
    controller.abort();
    await assert.rejects(opening, (e) => isError(e, ErrorName.Aborted));
    const waiting = transport.open(new RecordingSink(), AbortSignal.timeout(5000));
    await delay(20);
    const aborted = assert.rejects(waiting, (e) => isError(e, ErrorName.Aborted));
    await transport.dispose();
    await aborted;
    await transport.dispose(); // twice is fine
    await assert.rejects(transport.open(new RecordingSink(), AbortSignal.timeout(100)), (e) => isError(e, ErrorName.Resource));
  });

  it("listens dual-stack on '::' (IPv4 TCP and IPv6 UDP on one port)", async () => {
    const { transport } = makeTransport({ address: "::" });
    const port = await transport.listen(AbortSignal.timeout(2000));
    for (const [via, host] of [["tcp", "127.0.0.1"], ["udp", "::1"], ["udp", "127.0.0.1"], ["tcp", "::1"]] as const) {
      const sink = new RecordingSink();
      const opening = transport.open(sink, AbortSignal.timeout(2000));
      const s = sendAndroidMic({ ...endless(port, via, host), source: toneSource(440, fmt, 0.05) });
      const session = await opening;
      const summary = await s.done;
      await sink.until(() => sink.packets.length === summary.packets);
      await session.close();
    }
    await transport.dispose();
  });

  it("names the port and its holder when the port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    const { transport } = makeTransport({ port, via: "tcp" });
    await assert.rejects(transport.open(new RecordingSink(), AbortSignal.timeout(2000)), (e) => {
      assert.ok(isError(e, ErrorName.Resource));
      assert.match(e.message, new RegExp(`TCP port ${port} is already in use`));
      // ss names the holder when it may see it (our own process here).
      if (/ by /.test(e.message)) assert.match(e.message, new RegExp(`pid ${process.pid}`));
      assert.match(e.hint ?? "", /choose another `port`.*AndroidMic app/);
      return true;
    });
    await transport.dispose();
    blocker.close();
  });
});
