/**
 * The phone's end of an AndroidMic link: dial the PC, say hello, then carry framed messages.
 *
 *   TCP: connect → "AndroidMic1" → wait ≤ 1.5 s for "AndroidMic2" → [len][AudioPacketMessage] …
 *   UDP: [len][Wrapper{connect}] (re-sent a few times) → "AndroidMic2" → [len][Wrapper{audio}] …
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, isIPv6, type Socket } from "node:net";
import { ErrorName, PhonemicError, throwIfAborted } from "@phonemic/core";
import { encodeWrapperFrame, PC_ANSWER, PHONE_HELLO } from "./wire.js";

/** How long the app waits for the PC's answer on TCP. */
export const ANSWER_TIMEOUT_MS = 1500;
/** UDP hellos: one every interval, this many times, before giving up. */
const UDP_HELLO_INTERVAL_MS = 300;
const UDP_HELLO_TRIES = 5;
/** How long dialling TCP may take. */
const DIAL_TIMEOUT_MS = 5000;

/** A handshaken link to the PC. */
export interface Uplink {
  /** Sends one framed message; false when it had to be dropped (the PC is not reading). */
  send(frame: Buffer): boolean;
  /** Resolves when the PC goes away, with a phrase saying how. */
  readonly lost: Promise<string>;
  /** Ends the link (TCP: FIN, then waits briefly for the PC to close). */
  close(): Promise<void>;
}

/** Bytes queued in the kernel and node beyond which TCP packets are dropped (~1 MiB). */
const MAX_QUEUED_BYTES = 1 << 20;

const where = (host: string, port: number) => (isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`);
const startHint = "start phonemic on the PC first, and check its address and port (and the firewall)";

/** Dials the PC over TCP and does the hello. Rejects with UnreachableError, ProtocolError or AbortError. */
export function dialTcp(host: string, port: number, signal: AbortSignal): Promise<Uplink> {
  const to = where(host, port);
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new PhonemicError(ErrorName.Aborted, `connecting to ${to} aborted`));
    const socket: Socket = connect({ host, port, noDelay: true });
    let got = Buffer.alloc(0);
    let timer = setTimeout(() => fail(ErrorName.Unreachable, `cannot reach ${to}: no answer within ${DIAL_TIMEOUT_MS} ms`), DIAL_TIMEOUT_MS);
    const finish = (err?: PhonemicError) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      socket.off("data", onData).off("error", onError).off("end", onEnd);
      if (err) {
        socket.destroy();
        return reject(err);
      }
      resolve(tcpUplink(socket));
    };
    const fail = (name: string, message: string, hint = startHint) => finish(new PhonemicError(name, message, { hint }));
    const onError = (err: Error) => fail(ErrorName.Unreachable, `cannot reach ${to}: ${err.message}`);
    const onEnd = () =>
      fail(ErrorName.Unreachable, `the PC at ${to} closed the connection without answering`, "another phone may already be streaming to it");
    const onAbort = () => finish(new PhonemicError(ErrorName.Aborted, `connecting to ${to} aborted`));
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < PC_ANSWER.length) return;
      if (got.subarray(0, PC_ANSWER.length).equals(PC_ANSWER)) return finish();
      fail(ErrorName.Protocol, `${to} answered ${JSON.stringify(got.toString("latin1"))}, not "AndroidMic2"`, "is that port an AndroidMic server?");
    };
    socket.once("connect", () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => fail(ErrorName.Protocol, `${to} accepted the connection but did not answer within ${ANSWER_TIMEOUT_MS} ms`, "is that port an AndroidMic server?"),
        ANSWER_TIMEOUT_MS,
      );
      socket.write(PHONE_HELLO);
    });
    socket.on("data", onData).once("error", onError).once("end", onEnd);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function tcpUplink(socket: Socket): Uplink {
  const lost = new Promise<string>((resolve) => {
    socket.once("end", () => resolve("the PC closed the connection"));
    socket.once("error", (err) => resolve(`the connection failed: ${err.message}`));
    socket.once("close", () => resolve("the connection closed"));
  });
  return {
    lost,
    send(frame) {
      if (socket.writableLength > MAX_QUEUED_BYTES) return false;
      socket.write(frame);
      return true;
    },
    async close() {
      socket.end();
      const timer = setTimeout(() => socket.destroy(), 1000);
      await new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once("close", () => resolve())));
      clearTimeout(timer);
    },
  };
}

/** Opens a UDP socket to the PC and does the hello. Rejects with UnreachableError or AbortError. */
export async function dialUdp(host: string, port: number, signal: AbortSignal): Promise<Uplink> {
  const to = where(host, port);
  throwIfAborted(signal);
  const socket = createSocket(isIPv6(host) ? "udp6" : "udp4");
  socket.on("error", () => {}); // ICMP "port unreachable" while saying hello: we just try again
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(port, host, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    await udpHello(socket, to, signal);
  } catch (err) {
    socket.close();
    if (err instanceof PhonemicError) throw err;
    throw new PhonemicError(ErrorName.Unreachable, `cannot reach ${to}: ${(err as Error).message}`, { hint: startHint, cause: err });
  }
  const lost = new Promise<string>((resolve) => {
    // On a connected UDP socket the kernel reports the PC's "port unreachable" as ECONNREFUSED.
    socket.on("error", (err) => resolve(`the PC stopped listening (${err.message})`));
    socket.once("close", () => resolve("the socket closed"));
  });
  return {
    lost,
    send(frame) {
      socket.send(frame, () => {});
      return true;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function udpHello(socket: UdpSocket, to: string, signal: AbortSignal): Promise<void> {
  const hello = encodeWrapperFrame({ kind: "connect" });
  return new Promise((resolve, reject) => {
    let tries = 0;
    if (signal.aborted) return reject(new PhonemicError(ErrorName.Aborted, `connecting to ${to} aborted`));
    const finish = (err?: Error) => {
      clearInterval(timer);
      socket.off("message", onMessage);
      signal.removeEventListener("abort", onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onMessage = (msg: Buffer) => {
      if (msg.equals(PC_ANSWER)) finish();
    };
    const onAbort = () => finish(new PhonemicError(ErrorName.Aborted, `connecting to ${to} aborted`));
    const say = () => {
      if (tries++ === UDP_HELLO_TRIES) {
        const waited = UDP_HELLO_TRIES * UDP_HELLO_INTERVAL_MS;
        const why = `no "AndroidMic2" from ${to} within ${waited} ms (nothing listens on that UDP port, or another phone is streaming)`;
        return finish(new PhonemicError(ErrorName.Unreachable, why, { hint: startHint }));
      }
      socket.send(hello, () => {});
    };
    const timer = setInterval(say, UDP_HELLO_INTERVAL_MS);
    socket.on("message", onMessage);
    signal.addEventListener("abort", onAbort, { once: true });
    say();
  });
}
