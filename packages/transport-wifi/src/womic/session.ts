/**
 * One running WO MIC stream on the PC: audio datagrams in over UDP, pings out over TCP.
 *
 * The link is judged alive by datagrams, not by TCP: after `start` the phone sends nothing on
 * TCP, and a phone that went to sleep or left the Wi-Fi leaves the TCP socket open for minutes.
 * So silence on UDP for `timeoutMs` ends the stream as "link-lost", the same way the original
 * client's 3 s `select` time-out did.
 */
import type { Socket as UdpSocket, RemoteInfo } from "node:dgram";
import type { Socket } from "node:net";
import type { Clock, EncodedPacket, Logger, PacketSink, StreamEnd, StreamFormat, TransportSession } from "@phonemic/core";
import type { Inbox } from "./inbox.js";
import { normalizeIp } from "./net.js";
import { encodeControl, hexBytes, MessageType, parseAudioDatagram, type ControlMessage } from "./wire.js";

/** What WO MIC always streams: Opus at 48 kHz, mono. */
export const WOMIC_FORMAT: StreamFormat = { codec: "opus", sampleRate: 48000, channels: 1 };

/** Everything a session takes over once the handshake is done. */
export interface WomicSessionParts {
  readonly tcp: Socket;
  readonly udp: UdpSocket;
  readonly inbox: Inbox;
  readonly sink: PacketSink;
  readonly clock: Clock;
  readonly logger: Logger;
  /** "host:port" of the phone, for messages. */
  readonly peer: string;
  readonly pingIntervalMs: number;
  readonly timeoutMs: number;
}

export class WomicSession implements TransportSession {
  readonly format = WOMIC_FORMAT;
  readonly peer: string;
  readonly ended: Promise<StreamEnd>;
  /** The local UDP port the phone sends audio to. */
  readonly udpPort: number;
  private readonly phoneIp: string;
  private readonly pingTimer: NodeJS.Timeout;
  private readonly silenceTimer: NodeJS.Timeout;
  private resolveEnded!: (end: StreamEnd) => void;
  private ending: Promise<void> | undefined;

  constructor(private readonly parts: WomicSessionParts) {
    const { tcp, udp, inbox } = parts;
    this.peer = parts.peer;
    this.udpPort = udp.address().port;
    this.phoneIp = normalizeIp(tcp.remoteAddress ?? "");
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    udp.on("message", this.onDatagram);
    udp.on("error", (err) => this.end("link-lost", `UDP socket failed: ${err.message}`));
    tcp.on("data", (chunk: Buffer) => this.onControl(inbox.reader.push(chunk)));
    tcp.on("end", () => this.end("peer-ended", `the phone at ${this.peer} closed the connection`));
    tcp.on("error", (err) => this.end("link-lost", `connection to ${this.peer} failed: ${err.message}`));
    tcp.on("close", () => this.end("link-lost", `connection to ${this.peer} closed`));
    this.pingTimer = setInterval(() => tcp.write(encodeControl(MessageType.Ping)), parts.pingIntervalMs).unref();
    this.silenceTimer = setTimeout(() => this.onSilence(), parts.timeoutMs).unref();
    if (inbox.queue.length > 0) this.onControl({ messages: inbox.queue.splice(0) });
  }

  close(): Promise<void> {
    return this.end("closed", "closed");
  }

  private readonly onDatagram = (msg: Buffer, from: RemoteInfo) => {
    if (this.ending) return;
    const { sink, clock } = this.parts;
    if (normalizeIp(from.address) !== this.phoneIp) return sink.malformed("wrong source");
    this.silenceTimer.refresh();
    const parsed = parseAudioDatagram(msg);
    if (!parsed.ok) return sink.malformed(parsed.reason);
    const packet: EncodedPacket = {
      format: WOMIC_FORMAT,
      payload: parsed.payload,
      seq: parsed.header.seq,
      timestampMs: parsed.header.timestampMs,
      arrivalMs: clock.now(),
    };
    sink.packet(packet);
  };

  private onControl(result: { messages: ControlMessage[]; error?: string }): void {
    for (const m of result.messages) {
      if (m.type === MessageType.Stop) return void this.end("peer-ended", `the phone at ${this.peer} stopped the stream`);
      this.parts.logger.debug(`WO MIC: ignoring control message type ${m.type} (${hexBytes(m.body)})`);
    }
    if (result.error) this.end("link-lost", `unreadable control data from ${this.peer}: ${result.error}`);
  }

  private onSilence(): void {
    this.end("link-lost", `no audio from ${this.peer} for ${this.parts.timeoutMs} ms`);
  }

  /** The single place a session ends: stops timers, says stop if we chose to end, frees sockets. */
  private end(reason: StreamEnd["reason"], message: string): Promise<void> {
    if (this.ending) return this.ending;
    clearInterval(this.pingTimer);
    clearTimeout(this.silenceTimer);
    const { tcp, udp, logger } = this.parts;
    if (reason === "link-lost") logger.warn(`WO MIC: ${message}`);
    else logger.info(`WO MIC: ${message}`);
    this.ending = Promise.all([closeTcp(tcp, reason === "closed"), closeUdp(udp)]).then(() => {
      this.resolveEnded({ reason, message });
    });
    return this.ending;
  }
}

/** Sends stop when asked (best effort), then closes; a peer that does not finish is cut off. */
function closeTcp(tcp: Socket, sayStop: boolean): Promise<void> {
  return new Promise((resolve) => {
    if (tcp.destroyed) return resolve();
    const timer = setTimeout(() => tcp.destroy(), 500);
    tcp.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    if (sayStop && tcp.writable) tcp.write(encodeControl(MessageType.Stop));
    tcp.end();
  });
}

function closeUdp(udp: UdpSocket): Promise<void> {
  return new Promise((resolve) => {
    try {
      udp.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
