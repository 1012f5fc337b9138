/** The phone's side: handshake failures, real-time pacing, clock skew. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { ErrorName, isError, toneSource } from "@phonemic/core";
import { sendAndroidMic, type SendAndroidMicOptions } from "../src/androidmic/index.js";
import { makeTransport, RecordingSink } from "./androidmic-helpers.js";

const fmt = { sampleRate: 48000, channels: 1 } as const;
const opts = (port: number, via: "tcp" | "udp", seconds = 0.1): SendAndroidMicOptions => ({
  host: "127.0.0.1", port, via, encoding: "s16", ...fmt, source: toneSource(440, fmt, seconds),
});

/** A free port number with nothing listening on it. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe("sendAndroidMic handshake", () => {
  it("reports a PC that refuses the connection", async () => {
    const s = sendAndroidMic(opts(await freePort(), "tcp"));
    await assert.rejects(s.connected, (e) => isError(e, ErrorName.Unreachable));
    await assert.rejects(s.done, (e) => isError(e, ErrorName.Unreachable) && /start phonemic on the PC/.test(e.hint ?? ""));
  });

  it("gives up after 1.5 s when the PC does not answer AndroidMic2", async () => {
    const silent = createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
    const started = performance.now();
    const s = sendAndroidMic(opts((silent.address() as { port: number }).port, "tcp"));
    await assert.rejects(s.done, (e) => isError(e, ErrorName.Protocol) && /did not answer within 1500 ms/.test(e.message));
    assert.ok(performance.now() - started >= 1400);
    silent.close();
  });

  it("re-sends the UDP hello, then gives up", async () => {
    const mute = createSocket("udp4");
    let hellos = 0;
    mute.on("message", () => hellos++);
    await new Promise<void>((resolve) => mute.bind(0, "127.0.0.1", () => resolve()));
    const s = sendAndroidMic(opts(mute.address().port, "udp"));
    await assert.rejects(s.done, (e) => isError(e, ErrorName.Unreachable) && /no "AndroidMic2"/.test(e.message));
    assert.equal(hellos, 5);
    mute.close();
  });

  it("rejects a source in another format, and a UDP packet too big for a datagram", async () => {
    const bad = sendAndroidMic({ ...opts(1, "tcp"), sampleRate: 44100 });
    await assert.rejects(bad.done, (e) => isError(e, ErrorName.Config) && /source is 48000 Hz/.test(e.message));
    const big = sendAndroidMic({ ...opts(1, "udp"), encoding: "f32", packetMs: 500 });
    await assert.rejects(big.done, (e) => isError(e, ErrorName.Config) && /does not fit in one UDP datagram/.test(e.message));
  });

  it("stops on abort before the hello with AbortError", async () => {
    const s = sendAndroidMic({ ...opts(await freePort(), "udp"), signal: AbortSignal.abort() });
    await assert.rejects(s.done, (e) => isError(e, ErrorName.Aborted));
  });
});

describe("sendAndroidMic pacing", () => {
  /** Arrival times (ms) of the packets of `seconds` of audio sent with `clockSkewPpm`. */
  async function arrivals(seconds: number, clockSkewPpm: number): Promise<number[]> {
    const { transport } = makeTransport({ via: "udp" });
    const port = await transport.listen(AbortSignal.timeout(2000));
    const sink = new RecordingSink();
    const opening = transport.open(sink, AbortSignal.timeout(2000));
    const s = sendAndroidMic({ ...opts(port, "udp", seconds), clockSkewPpm });
    const session = await opening;
    const summary = await s.done;
    await sink.until(() => sink.packets.length === summary.packets);
    await transport.dispose();
    await session.ended;
    return sink.packets.map((p) => p.arrivalMs);
  }

  /**
   * Milliseconds per packet, from the packets that arrived soonest. Sender and receiver share
   * one (possibly busy) event loop, so a packet can only be late, never early: the lower
   * envelope of arrival − n × nominal is the sender's schedule. Its slope between the first and
   * last thirds corrects the nominal period; timer error that accumulated would show there.
   */
  function period(times: number[], nominalMs: number): number {
    const third = Math.floor(times.length / 3);
    const lowest = (from: number, to: number) => {
      let best = from;
      for (let n = from; n < to; n++) if (times[n]! - n * nominalMs < times[best]! - best * nominalMs) best = n;
      return { n: best, e: times[best]! - best * nominalMs };
    };
    const early = lowest(0, third);
    const late = lowest(times.length - third, times.length);
    return nominalMs + (late.e - early.e) / (late.n - early.n);
  }

  it("sends packet n at start + n × 20 ms, without accumulating timer error", async () => {
    const times = await arrivals(1, 0);
    assert.equal(times.length, 50);
    const p = period(times, 20);
    assert.ok(Math.abs(p - 20) < 0.15, `period ${p} ms`);
  });

  it("runs fast or slow by clockSkewPpm", async () => {
    const fast = period(await arrivals(1, 20000), 20); // 2 % fast: 19.61 ms per packet
    assert.ok(Math.abs(fast - 20 / 1.02) < 0.15, `fast phone: period ${fast} ms`);
    const slow = period(await arrivals(1, -20000), 20); // 2 % slow: 20.41 ms per packet
    assert.ok(Math.abs(slow - 20 / 0.98) < 0.15, `slow phone: period ${slow} ms`);
  });
});
