/**
 * WO MIC wire format: control messages on TCP and audio datagrams on UDP.
 *
 * Control message, both directions (the PC dials the phone's port 8125):
 *
 *   0        1                 5
 *   +--------+--------+--------+--------+--------+----------------+
 *   |  type  |     length (u32 big-endian)       | body (length)  |
 *   +--------+--------+--------+--------+--------+----------------+
 *
 * Audio datagram, phone -> PC (all fields big-endian, 11-byte header):
 *
 *   0        1        2        4        6                 10       11
 *   +--------+--------+--------+--------+--------+--------+--------+-------------
 *   |  0x04  |  0x00  |  len   |  seq   |  timestamp ms   | volume | Opus packet
 *   +--------+--------+--------+--------+--------+--------+--------+-------------
 *   kind     reserved  len = bytes after the len field = 7 + Opus bytes
 *
 * Parsing never throws: it returns a reason, so socket callbacks can report and go on.
 */

/** Control message types (decimal; strace shows them as the letters e, f, g, h, i). */
export const MessageType = {
  CheckVersion: 101,
  SetCodec: 102,
  Start: 103,
  Stop: 104,
  Ping: 105,
} as const;

/** Body of check-version as the seed's client sent it (another client sends 04 05 00 00 00 00). */
export const CHECK_VERSION_BODY = Uint8Array.of(0x04, 0x04, 0x06, 0x02, 0x00, 0x00);
/** Codec id of Opus in set-codec. */
export const CODEC_OPUS = 2;
/** Sample-rate index of 48000 Hz in set-codec. */
export const RATE_INDEX_48K = 2;
/** The phone's version reply body. */
export const VERSION_REPLY_BODY = Uint8Array.of(0x00, 0x04);

/** Bytes before a control message's body. */
export const CONTROL_HEADER_BYTES = 5;
/** Bytes before a datagram's Opus packet. */
export const AUDIO_HEADER_BYTES = 11;
/** First byte of an audio datagram. */
export const AUDIO_KIND = 0x04;

/** One control message. */
export interface ControlMessage {
  /** Message type, see `MessageType`. */
  readonly type: number;
  /** Body bytes (may be empty). */
  readonly body: Uint8Array;
}

/** Serializes a control message. */
export function encodeControl(type: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(CONTROL_HEADER_BYTES + body.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, type);
  view.setUint32(1, body.length);
  out.set(body, CONTROL_HEADER_BYTES);
  return out;
}

/** Body of set-codec: codec, sample-rate index, then the PC's UDP port as u32. */
export function setCodecBody(udpPort: number, codec = CODEC_OPUS, rateIndex = RATE_INDEX_48K): Uint8Array {
  const body = new Uint8Array(6);
  const view = new DataView(body.buffer);
  view.setUint8(0, codec);
  view.setUint8(1, rateIndex);
  view.setUint32(2, udpPort);
  return body;
}

/** Fields of a set-codec body, or undefined when it is not 6 bytes. */
export function parseSetCodec(body: Uint8Array): { codec: number; rateIndex: number; udpPort: number } | undefined {
  if (body.length !== 6) return undefined;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return { codec: view.getUint8(0), rateIndex: view.getUint8(1), udpPort: view.getUint32(2) };
}

/** What `ControlReader.push` found in a chunk. */
export interface ControlReadResult {
  /** Complete messages, in order. */
  readonly messages: ControlMessage[];
  /** Set once the stream is unreadable (the reader then ignores further input). */
  readonly error?: string;
}

/**
 * Reassembles control messages from TCP chunks of any size. A length over `maxBodyBytes` is
 * reported as an error rather than buffered: the stream has no way to resynchronise after it.
 */
export class ControlReader {
  private pending = new Uint8Array(0);
  private failed: string | undefined;

  constructor(private readonly maxBodyBytes = 4096) {}

  /** Bytes received but not yet part of a complete message. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  /** Adds a chunk; returns the messages it completed, or an error. */
  push(chunk: Uint8Array): ControlReadResult {
    if (this.failed) return { messages: [], error: this.failed };
    const data = concat(this.pending, chunk);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const messages: ControlMessage[] = [];
    let at = 0;
    while (data.length - at >= CONTROL_HEADER_BYTES) {
      const length = view.getUint32(at + 1);
      if (length > this.maxBodyBytes) {
        this.failed = `control message of type ${data[at]} claims ${length} bytes (limit ${this.maxBodyBytes})`;
        this.pending = new Uint8Array(0);
        return { messages, error: this.failed };
      }
      if (data.length - at < CONTROL_HEADER_BYTES + length) break;
      const body = data.slice(at + CONTROL_HEADER_BYTES, at + CONTROL_HEADER_BYTES + length);
      messages.push({ type: data[at]!, body });
      at += CONTROL_HEADER_BYTES + length;
    }
    this.pending = data.slice(at);
    return { messages };
  }
}

/** Header fields of an audio datagram. */
export interface AudioHeader {
  /** Packet kind; 0x04 for audio. */
  readonly kind: number;
  /** Bytes after the len field: 7 + Opus packet length. */
  readonly len: number;
  /** 16-bit sequence number. */
  readonly seq: number;
  /** Sender's milliseconds since the stream began (u32). */
  readonly timestampMs: number;
  /** Volume byte (the app sends 5). */
  readonly volume: number;
}

/** Reads the 11-byte header, without checking kind or length against the datagram's size. */
export function parseAudioHeader(bytes: Uint8Array): AudioHeader | undefined {
  if (bytes.length < AUDIO_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    kind: view.getUint8(0),
    len: view.getUint16(2),
    seq: view.getUint16(4),
    timestampMs: view.getUint32(6),
    volume: view.getUint8(10),
  };
}

/** An audio datagram checked in full, or why it was rejected. */
export type AudioDatagram =
  | { readonly ok: true; readonly header: AudioHeader; readonly payload: Uint8Array }
  | { readonly ok: false; readonly reason: string };

/** Parses and checks one datagram; `payload` is a view into `bytes`. */
export function parseAudioDatagram(bytes: Uint8Array): AudioDatagram {
  const header = parseAudioHeader(bytes);
  if (!header) return { ok: false, reason: `datagram too short (${bytes.length} bytes)` };
  if (header.kind !== AUDIO_KIND) return { ok: false, reason: `wrong datagram kind 0x${hex2(header.kind)}` };
  if (header.len !== bytes.length - 4) {
    return { ok: false, reason: `length mismatch (header says ${header.len}, datagram has ${bytes.length - 4})` };
  }
  if (bytes.length === AUDIO_HEADER_BYTES) return { ok: false, reason: "datagram without audio" };
  return { ok: true, header, payload: bytes.subarray(AUDIO_HEADER_BYTES) };
}

/** What the sender chooses for each datagram (kind and len follow from the payload). */
export interface AudioFields {
  readonly seq: number;
  readonly timestampMs: number;
  readonly volume: number;
}

/** Serializes the 11-byte header for a payload of `payloadBytes`. */
export function encodeAudioHeader(fields: AudioFields, payloadBytes: number): Uint8Array {
  const out = new Uint8Array(AUDIO_HEADER_BYTES);
  writeHeader(out, fields, payloadBytes);
  return out;
}

/** Serializes a whole datagram: header, then the Opus packet. */
export function encodeAudioDatagram(fields: AudioFields, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(AUDIO_HEADER_BYTES + payload.length);
  writeHeader(out, fields, payload.length);
  out.set(payload, AUDIO_HEADER_BYTES);
  return out;
}

function writeHeader(out: Uint8Array, fields: AudioFields, payloadBytes: number): void {
  const view = new DataView(out.buffer, out.byteOffset, AUDIO_HEADER_BYTES);
  view.setUint8(0, AUDIO_KIND);
  view.setUint8(1, 0);
  view.setUint16(2, AUDIO_HEADER_BYTES - 4 + payloadBytes);
  view.setUint16(4, fields.seq & 0xffff);
  view.setUint32(6, fields.timestampMs >>> 0);
  view.setUint8(10, fields.volume);
}

/** Bytes as spaced hex, for error messages ("65 00 00 00 02 00 04"); long input is cut. */
export function hexBytes(bytes: Uint8Array, max = 32): string {
  const shown = Array.from(bytes.subarray(0, max), hex2).join(" ");
  return bytes.length > max ? `${shown} … (${bytes.length} bytes)` : shown || "(none)";
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, "0");
}

/** Always copies: `b` may be a socket's Buffer, whose `slice` would share memory. */
function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
