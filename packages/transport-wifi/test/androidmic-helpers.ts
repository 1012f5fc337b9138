/** Shared pieces of the AndroidMic tests: a recording sink and logger, test audio, raw phones. */
import { connect, type Socket } from "node:net";
import { systemClock, type EncodedPacket, type Logger, type PacketSink, type SampleEncoding } from "@phonemic/core";
import { AndroidMicTransport, androidmicOptions, type AndroidMicOptionsInput } from "../src/androidmic/index.js";
import { PC_ANSWER, PHONE_HELLO } from "../src/androidmic/wire.js";

/** A packet as recorded: the payload copied, since transports may reuse its memory. */
export type Recorded = EncodedPacket & { readonly payload: Uint8Array };

export class RecordingSink implements PacketSink {
  readonly packets: Recorded[] = [];
  readonly malformedReasons: string[] = [];
  private waiters: Array<() => void> = [];

  packet(p: EncodedPacket): void {
    this.packets.push({ ...p, payload: Uint8Array.from(p.payload) });
    this.wake();
  }

  malformed(reason: string): void {
    this.malformedReasons.push(reason);
    this.wake();
  }

  /** Resolves once `test` holds; rejects after `timeoutMs`. */
  async until(test: () => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > deadline) throw new Error("timed out waiting for the sink");
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  info(m: string): void {
    this.lines.push(`info: ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`warn: ${m}`);
  }
  error(m: string): void {
    this.lines.push(`error: ${m}`);
  }
  debug(m: string): void {
    this.lines.push(`debug: ${m}`);
  }
  count(part: string): number {
    return this.lines.filter((l) => l.includes(part)).length;
  }
}

/** A transport on 127.0.0.1 and a free port, unless `options` say otherwise. */
export function makeTransport(options: Partial<AndroidMicOptionsInput> = {}): { transport: AndroidMicTransport; logger: RecordingLogger } {
  const logger = new RecordingLogger();
  const parsed = androidmicOptions.parse({ protocol: "androidmic", address: "127.0.0.1", port: 0, ...options });
  return { transport: new AndroidMicTransport(parsed, { logger, clock: systemClock }), logger };
}

/** Deterministic test audio covering the full 16-bit range, extremes included. */
export function testSamples(frames: number, channels: number): Int16Array {
  const out = new Int16Array(frames * channels);
  let x = 12345;
  for (let i = 0; i < out.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = (x >>> 15) - 32768;
  }
  out[0] = -32768;
  if (out.length > 1) out[1] = 32767;
  return out;
}

/** Largest error a round trip through `encoding` may add, in 16-bit steps. */
export function lsbOf(encoding: SampleEncoding): number {
  return encoding === "u8" ? 256 : 1;
}

/** A phone written by hand: connects and says hello; resolves once the PC answered. */
export function rawTcpPhone(port: number, host = "127.0.0.1"): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let got = Buffer.alloc(0);
    socket.once("error", reject);
    socket.on("data", function onData(chunk: Buffer) {
      got = Buffer.concat([got, chunk]);
      if (got.length < PC_ANSWER.length) return;
      socket.off("data", onData);
      if (got.subarray(0, PC_ANSWER.length).equals(PC_ANSWER)) resolve(socket);
      else reject(new Error(`unexpected answer ${got.toString("latin1")}`));
    });
    socket.once("end", () => reject(new Error("closed before answering")));
    socket.once("connect", () => socket.write(PHONE_HELLO));
  });
}

/** Resolves after `ms`. */
export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
