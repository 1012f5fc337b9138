/** Shared pieces of the WO MIC tests: the seed fixture, a recording sink, a scripted fake phone. */
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { createSocket } from "node:dgram";
import { silentLogger, systemClock, type EncodedPacket, type PacketSink, type PluginDeps } from "@phonemic/core";

export const deps: PluginDeps = { logger: silentLogger, clock: systemClock };

/** The seed trace, beside the repository: /work/shared/fixtures (dist/test -> 5 levels up). */
export interface SeedTrace {
  tcp: { phonePort: number; exchange: { from: "client" | "phone"; hex: string; what: string }[]; alsoSeenFromAnotherClient: { checkVersionBody: string } };
  udp: { datagrams: { size: number; first32Hex: string; len: number; seq: number; timestampMs: number; volume: number; opusToc: string }[] };
}
export const seed: SeedTrace = JSON.parse(
  readFileSync(new URL("../../test/fixtures/womic-seed-trace.json", import.meta.url), "utf8"),
) as SeedTrace;

/** "65 00000006 0404" -> bytes. */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ""), "hex"));
}

/** The seed's messages from one side, in order. */
export function seedBytes(from: "client" | "phone"): Uint8Array[] {
  return seed.tcp.exchange.filter((m) => m.from === from).map((m) => hex(m.hex));
}

/** A copy of what a packet carried (payloads are only valid during the call). */
export interface Received {
  readonly seq?: number;
  readonly timestampMs?: number;
  readonly arrivalMs: number;
  readonly payload: Uint8Array;
}

/** Records packets and malformed reasons. */
export class RecordingSink implements PacketSink {
  readonly packets: Received[] = [];
  readonly malformedReasons: string[] = [];
  private listeners: (() => void)[] = [];

  packet(p: EncodedPacket): void {
    this.packets.push({ seq: p.seq, timestampMs: p.timestampMs, arrivalMs: p.arrivalMs, payload: p.payload.slice() });
    for (const l of this.listeners) l();
  }

  malformed(reason: string): void {
    this.malformedReasons.push(reason);
  }

  /** Resolves once `n` packets have arrived. */
  waitForPackets(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.packets.length < n) return;
        this.listeners = this.listeners.filter((l) => l !== check);
        resolve();
      };
      this.listeners.push(check);
      check();
    });
  }
}

/** What the fake phone does with the client's n-th control message. */
export type Script = (index: number, message: Uint8Array, socket: Socket) => void;

/**
 * A raw TCP server standing in for the app, parsing frames with its own few lines (not the
 * code under test). It records every byte and every message the client sends.
 */
export class FakePhone {
  readonly bytes: number[] = [];
  readonly messages: Uint8Array[] = [];
  readonly sockets: Socket[] = [];
  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(script: Script, host = "127.0.0.1"): Promise<FakePhone> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
    const phone = track(new FakePhone(server, (server.address() as { port: number }).port));
    server.on("connection", (socket) => {
      phone.sockets.push(socket);
      socket.on("error", () => {});
      let pending = Buffer.alloc(0);
      socket.on("data", (chunk) => {
        phone.bytes.push(...chunk);
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
          const size = 5 + pending.readUInt32BE(1);
          const message = Uint8Array.from(pending.subarray(0, size));
          pending = pending.subarray(size);
          phone.messages.push(message);
          script(phone.messages.length - 1, message, socket);
        }
      });
    });
    return phone;
  }

  /** Messages of one type (first byte). */
  ofType(type: number): Uint8Array[] {
    return this.messages.filter((m) => m[0] === type);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Replies to the first three messages with the seed's phone bytes. */
export const seedScript: Script = (index, _message, socket) => {
  const reply = seedBytes("phone")[index];
  if (reply) socket.write(reply);
};

/** A port nothing listens on (bound, then released). */
export async function closedTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** True when UDP `port` can be bound on every address right now. */
export async function udpPortFree(port: number): Promise<boolean> {
  const udp = createSocket({ type: "udp6", ipv6Only: false });
  return new Promise((resolve) => {
    udp.once("error", () => resolve(false));
    udp.bind({ port, address: "::" }, () => udp.close(() => resolve(true)));
  });
}

/** Anything a test opened; closed after each test even when an assertion failed midway, so a
 *  failure never leaves sockets behind that keep the test process alive. */
interface Closable {
  close(): unknown;
}
const opened: Closable[] = [];

/** Registers `x` to be closed after the current test. */
export function track<T extends Closable>(x: T): T {
  opened.push(x);
  return x;
}

/** Closes everything tracked (pass to `afterEach`). */
export async function closeAll(): Promise<void> {
  const all = opened.splice(0);
  await Promise.all(all.map(async (x) => {
    try {
      await x.close();
    } catch {
      // Already closed.
    }
  }));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** u32 big-endian of `n`. */
export function u32(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return Uint8Array.from(b);
}
