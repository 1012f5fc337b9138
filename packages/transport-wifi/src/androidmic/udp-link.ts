/**
 * One phone on UDP, identified by its address and port. Every datagram is one framed
 * MessageWrapper; the transport routes a peer's datagrams here once it has connected:
 *
 *   phone → PC   [u32 BE len][MessageWrapper{connect}]        (repeated until answered)
 *   PC → phone   "AndroidMic2"                                (raw, 11 bytes)
 *   phone → PC   [u32 BE len][MessageWrapper{audio_packet}] … (each with a sequence number)
 *
 * UDP has no end-of-stream: the session ends when the phone falls silent.
 */
import type { Socket as UdpSocket } from "node:dgram";
import type { PhoneLink, PhoneSession } from "./session.js";
import { PC_ANSWER, toPacket, type Wrapper } from "./wire.js";

export class UdpLink implements PhoneLink {
  readonly via = "udp";
  private session: PhoneSession | undefined;
  private closed = false;

  constructor(
    private readonly socket: UdpSocket,
    /** The sender's address and port as the socket reports them. */
    readonly address: string,
    readonly port: number,
    readonly peer: string,
  ) {}

  get alive(): boolean {
    return !this.closed;
  }

  /** True for datagrams from this phone. */
  is(address: string, port: number): boolean {
    return address === this.address && port === this.port;
  }

  /** Tells the phone it may stream (again, if its first answer was lost). */
  answer(): void {
    this.socket.send(PC_ANSWER, this.port, this.address, () => {});
  }

  attach(session: PhoneSession): void {
    this.session = session;
  }

  /** One datagram from this phone, decoded or with the reason it could not be. */
  deliver(datagram: Wrapper | string, arrivalMs: number): void {
    const session = this.session;
    if (!session) return; // admitted but nobody has opened a session yet
    if (typeof datagram === "string") return session.malformed(datagram);
    if (datagram.kind !== "audio") return;
    // The app counts in 32 bits; downstream sequence numbers are 16-bit and wrap.
    const packet = toPacket(datagram.audio, arrivalMs, datagram.seq & 0xffff);
    if (typeof packet === "string") session.malformed(packet);
    else session.packet(packet);
  }

  close(): void {
    this.closed = true;
    this.session = undefined;
  }
}
