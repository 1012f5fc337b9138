/**
 * One phone on TCP. The handshake is raw ASCII, then length-prefixed AudioPacketMessages:
 *
 *   phone → PC   "AndroidMic1"                        (11 bytes, no length)
 *   PC → phone   "AndroidMic2"                        (11 bytes; the phone gives up after ~1.5 s)
 *   phone → PC   [u32 BE len][AudioPacketMessage] …   (until FIN)
 *
 * A frame whose protobuf does not decode is skipped (framing survives); a declared length over
 * the cap loses the framing, so the connection is dropped.
 */
import type { Socket } from "node:net";
import type { Clock } from "@phonemic/core";
import { FrameReader, FramingError } from "./frame-reader.js";
import type { PhoneLink, PhoneSession } from "./session.js";
import { decodeAudio, PC_ANSWER, PHONE_HELLO, toPacket } from "./wire.js";

/**
 * Reads the phone's hello from a paused socket. Resolves with the bytes that followed it, or
 * rejects with a one-line reason (wrong bytes, closed, no hello within `timeoutMs`).
 */
export function readHello(socket: Socket, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", finish);
      socket.pause();
      if (err) reject(err);
      else resolve(got.subarray(PHONE_HELLO.length));
    };
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const n = Math.min(got.length, PHONE_HELLO.length);
      if (!got.subarray(0, n).equals(PHONE_HELLO.subarray(0, n))) {
        const shown = JSON.stringify(got.subarray(0, n).toString("latin1"));
        return finish(new Error(`it sent ${shown} instead of "AndroidMic1" (not the AndroidMic app?)`));
      }
      if (got.length >= PHONE_HELLO.length) finish();
    };
    const onEnd = () => finish(new Error("it closed the connection before saying hello"));
    const timer = setTimeout(() => finish(new Error(`no hello within ${timeoutMs} ms`)), timeoutMs);
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("error", finish);
    socket.resume();
  });
}

export class TcpLink implements PhoneLink {
  readonly via = "tcp";
  private gone = false;

  constructor(
    private readonly socket: Socket,
    readonly peer: string,
    /** Bytes that arrived right after the hello. */
    private readonly leftover: Buffer,
    private readonly maxFrameBytes: number,
    private readonly clock: Clock,
  ) {
    // While pending (admitted, no session yet) only a close matters.
    socket.once("close", () => (this.gone = true));
    socket.on("error", () => {});
  }

  get alive(): boolean {
    return !this.gone && !this.socket.destroyed;
  }

  /** Tells the phone it may stream. */
  answer(): void {
    this.socket.write(PC_ANSWER);
  }

  attach(session: PhoneSession): void {
    const reader = new FrameReader(this.maxFrameBytes);
    const onData = (chunk: Buffer) => {
      const arrivalMs = this.clock.now();
      try {
        for (const body of reader.push(chunk)) {
          const packet = toPacket(decodeAudio(body), arrivalMs, undefined);
          if (typeof packet === "string") session.malformed(packet);
          else session.packet(packet);
          if (!session.active) return;
        }
      } catch (err) {
        if (!(err instanceof FramingError)) throw err;
        session.malformed(err.message);
        session.end("link-lost", `dropped ${this.peer}: ${err.message}; the stream cannot be re-synchronised`);
      }
    };
    this.socket.on("data", onData);
    this.socket.once("end", () => session.end("peer-ended", `${this.peer} ended the stream`));
    this.socket.once("error", (err) => session.end("link-lost", `lost ${this.peer}: ${err.message}`));
    this.socket.once("close", () => session.end("link-lost", `lost ${this.peer}: connection closed`));
    if (this.gone) session.end("link-lost", `${this.peer} left before the stream started`);
    else {
      if (this.leftover.length > 0) onData(this.leftover);
      this.socket.resume();
    }
  }

  close(): void {
    this.gone = true;
    this.socket.destroy();
  }
}
