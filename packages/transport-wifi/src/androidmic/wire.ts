/**
 * AndroidMic's wire format: proto3 messages, each framed by a 32-bit big-endian length.
 *
 *   TCP, after the handshake (phone → PC, repeated):
 *   +----------------------+-------------------------------+
 *   | length: u32 BE       | AudioPacketMessage (protobuf) |
 *   +----------------------+-------------------------------+
 *
 *   UDP, one datagram each:
 *   +----------------------+-------------------------------+
 *   | length: u32 BE       | MessageWrapper (protobuf)     |
 *   +----------------------+-------------------------------+
 *     MessageWrapper.payload = connect {}                          (phone says hello)
 *                            | audio_packet { sequence_number,     (audio)
 *                                             audio_packet: AudioPacketMessage }
 *
 *   Handshake, raw ASCII without a length: TCP phone → "AndroidMic1", PC → "AndroidMic2";
 *   UDP phone → framed connect wrapper, PC → "AndroidMic2".
 *
 * The schema is built from JSON with protobufjs so no varint handling lives here.
 */
import protobuf from "protobufjs";
import { bytesPerSample, type EncodedPacket, type SampleEncoding, type StreamFormat } from "@phonemic/core";

/** What the phone sends first on TCP. */
export const PHONE_HELLO = Buffer.from("AndroidMic1", "ascii");
/** What the PC answers, on TCP and UDP. */
export const PC_ANSWER = Buffer.from("AndroidMic2", "ascii");
/** Bytes of the length prefix. */
export const LENGTH_BYTES = 4;

const root = protobuf.Root.fromJSON({
  nested: {
    AudioPacketMessage: {
      fields: {
        buffer: { type: "bytes", id: 1 },
        sampleRate: { type: "uint32", id: 2 },
        channelCount: { type: "uint32", id: 3 },
        audioFormat: { type: "uint32", id: 4 },
      },
    },
    AudioPacketMessageOrdered: {
      fields: {
        sequenceNumber: { type: "uint32", id: 1 },
        audioPacket: { type: "AudioPacketMessage", id: 2 },
      },
    },
    ConnectMessage: { fields: {} },
    MessageWrapper: {
      oneofs: { payload: { oneof: ["audioPacket", "connect"] } },
      fields: {
        audioPacket: { type: "AudioPacketMessageOrdered", id: 1 },
        connect: { type: "ConnectMessage", id: 2 },
      },
    },
  },
});
const AudioPacketType = root.lookupType("AudioPacketMessage");
const WrapperType = root.lookupType("MessageWrapper");

/** One AudioPacketMessage as decoded. Absent proto3 fields read as 0 / empty. */
export interface AudioMessage {
  buffer: Uint8Array;
  sampleRate: number;
  channelCount: number;
  audioFormat: number;
}

/** A decoded UDP datagram. */
export type Wrapper =
  | { readonly kind: "connect" }
  | { readonly kind: "audio"; readonly seq: number; readonly audio: AudioMessage };

/** Android's `AudioFormat.ENCODING_*` numbers for the encodings AndroidMic sends. */
const ANDROID_ENCODINGS: ReadonlyMap<number, SampleEncoding> = new Map([
  [2, "s16"],
  [3, "u8"],
  [4, "f32"],
  [21, "s24"],
  [22, "s32"],
]);

/** The Android number of a sample encoding (for senders). */
export function androidFormatOf(encoding: SampleEncoding): number {
  for (const [n, e] of ANDROID_ENCODINGS) if (e === encoding) return n;
  throw new RangeError(`no Android number for ${encoding}`);
}

export const MIN_RATE = 8000;
export const MAX_RATE = 384000;

/** The stream format an audio message declares, or why it is unusable. */
export function formatOf(msg: AudioMessage): StreamFormat | string {
  const encoding = ANDROID_ENCODINGS.get(msg.audioFormat);
  if (encoding === undefined) return `unknown audio_format ${msg.audioFormat}`;
  if (msg.channelCount !== 1 && msg.channelCount !== 2) return `unsupported channel count ${msg.channelCount}`;
  if (msg.sampleRate < MIN_RATE || msg.sampleRate > MAX_RATE) return `sample rate ${msg.sampleRate} out of range`;
  const frameBytes = bytesPerSample[encoding] * msg.channelCount;
  if (msg.buffer.length === 0) return "empty audio buffer";
  if (msg.buffer.length % frameBytes !== 0) return `${msg.buffer.length} bytes is not a whole number of frames`;
  return { codec: "pcm", encoding, sampleRate: msg.sampleRate, channels: msg.channelCount };
}

/** The packet to deliver for a decoded message, or why it must be skipped. */
export function toPacket(msg: AudioMessage | string, arrivalMs: number, seq: number | undefined): EncodedPacket | string {
  if (typeof msg === "string") return msg;
  const format = formatOf(msg);
  if (typeof format === "string") return format;
  return { format, payload: msg.buffer, seq, arrivalMs };
}

/** Decodes a bare AudioPacketMessage (TCP), or says why it cannot. */
export function decodeAudio(bytes: Uint8Array): AudioMessage | string {
  try {
    return AudioPacketType.decode(bytes) as unknown as AudioMessage;
  } catch (err) {
    return `truncated or invalid protobuf (${(err as Error).message})`;
  }
}

/** Decodes a framed UDP datagram, or says why it cannot. */
export function decodeDatagram(datagram: Uint8Array): Wrapper | string {
  if (datagram.length < LENGTH_BYTES) return "datagram shorter than its length field";
  const declared = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength).getUint32(0);
  if (declared !== datagram.length - LENGTH_BYTES) {
    return `length field says ${declared} bytes, datagram carries ${datagram.length - LENGTH_BYTES}`;
  }
  let w: { payload?: string; audioPacket?: { sequenceNumber: number; audioPacket?: AudioMessage } };
  try {
    w = WrapperType.decode(datagram.subarray(LENGTH_BYTES)) as typeof w;
  } catch (err) {
    return `truncated or invalid protobuf (${(err as Error).message})`;
  }
  // `payload` is protobufjs's virtual oneof field: the name of the member that was present.
  if (w.payload === "connect") return { kind: "connect" };
  const ordered = w.audioPacket;
  if (w.payload !== "audioPacket" || !ordered) return "wrapper holds neither connect nor audio";
  if (!ordered.audioPacket) return "audio wrapper without an audio packet";
  return { kind: "audio", seq: ordered.sequenceNumber, audio: ordered.audioPacket };
}

/** `[u32 BE length][protobuf]` for a bare AudioPacketMessage (TCP). */
export function encodeAudioFrame(msg: AudioMessage): Buffer {
  return frame(AudioPacketType.encode(msg).finish());
}

/** `[u32 BE length][protobuf]` for a wrapper (UDP). */
export function encodeWrapperFrame(w: Wrapper): Buffer {
  const body = w.kind === "connect" ? { connect: {} } : { audioPacket: { sequenceNumber: w.seq, audioPacket: w.audio } };
  return frame(WrapperType.encode(body).finish());
}

/** Prefixes `body` with its length. */
export function frame(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_BYTES + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, LENGTH_BYTES);
  return out;
}
