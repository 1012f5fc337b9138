import type { StreamFormat } from "./format.js";

/**
 * One packet as received from the phone.
 * `payload` is only valid during the `PacketSink.packet` call: transports may reuse its memory.
 */
export interface EncodedPacket {
  /** How to decode `payload`; may change between packets of one stream. */
  readonly format: StreamFormat;
  /** One Opus packet, or PCM samples in `format.encoding`. */
  readonly payload: Uint8Array;
  /** Sender's 16-bit sequence number, or undefined on links that deliver in order (TCP). */
  readonly seq?: number;
  /** Sender's timestamp in milliseconds, when the protocol carries one. */
  readonly timestampMs?: number;
  /** `Clock.now()` when the packet arrived. */
  readonly arrivalMs: number;
}

/** Where a transport delivers what it receives. */
export interface PacketSink {
  /** A well-formed audio packet arrived from the phone. */
  packet(packet: EncodedPacket): void;
  /** A datagram or frame was skipped; `reason` is a short phrase such as "wrong source". */
  malformed(reason: string): void;
}

/** Why a stream ended. */
export interface StreamEnd {
  /** "peer-ended": the phone stopped; "link-lost": the link dropped or timed out; "closed": we closed it. */
  readonly reason: "peer-ended" | "link-lost" | "closed";
  /** One line for a person. */
  readonly message: string;
}

/** One live stream from one phone. */
export interface TransportSession {
  /** Format announced when the stream was set up. */
  readonly format: StreamFormat;
  /** Who is on the other end, e.g. "192.168.1.20:8125". */
  readonly peer: string;
  /** Resolves (never rejects) when the stream ends. */
  readonly ended: Promise<StreamEnd>;
  /** Ends the stream and releases its sockets; resolves when done. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * A way to get audio from a phone. Each `open` sets up one stream (dialling the phone, or
 * waiting for it to dial in) and delivers its packets to `sink` until the stream ends.
 */
export interface Transport {
  /** Where it connects or listens, for messages, e.g. "WO MIC at 10.0.0.5:8125". */
  readonly description: string;
  /** Sets up one stream; rejects with a typed error (see errors.ts) when it cannot. */
  open(sink: PacketSink, signal: AbortSignal): Promise<TransportSession>;
  /** Releases everything the transport holds (listening sockets, tunnels). Safe to call twice. */
  dispose(): Promise<void>;
}
export const Transport = Symbol.for("phonemic.Transport");
