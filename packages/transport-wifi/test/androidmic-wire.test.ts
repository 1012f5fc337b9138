/** AndroidMic framing and message decoding, without sockets. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FrameReader, FramingError } from "../src/androidmic/frame-reader.js";
import { decodeAudio, decodeDatagram, encodeAudioFrame, encodeWrapperFrame, formatOf, frame, toPacket } from "../src/androidmic/wire.js";

const audio = (over: Partial<{ buffer: Uint8Array; sampleRate: number; channelCount: number; audioFormat: number }> = {}) => ({
  buffer: new Uint8Array([1, 2, 3, 4]),
  sampleRate: 48000,
  channelCount: 1,
  audioFormat: 2,
  ...over,
});

describe("FrameReader", () => {
  it("reassembles frames from chunks of any size", () => {
    const frames = [encodeAudioFrame(audio()), encodeAudioFrame(audio({ buffer: new Uint8Array(300) })), frame(new Uint8Array(0))];
    const stream = Buffer.concat(frames);
    for (const size of [1, 2, 3, 5, 7, 64, stream.length]) {
      const reader = new FrameReader(1 << 20);
      const got: Buffer[] = [];
      for (let at = 0; at < stream.length; at += size) {
        for (const body of reader.push(stream.subarray(at, at + size))) got.push(Buffer.from(body));
      }
      assert.deepEqual(got, frames.map((f) => f.subarray(4)), `chunk size ${size}`);
      assert.equal(reader.pendingBytes, 0);
    }
  });

  it("refuses a length over the cap as soon as the header is complete", () => {
    const reader = new FrameReader(1024);
    assert.deepEqual([...reader.push(Buffer.from([0xff, 0xff]))], []);
    assert.throws(() => [...reader.push(Buffer.from([0xff, 0xf0]))], (e: Error) => e instanceof FramingError && /4294967280 bytes/.test(e.message));
  });

  it("buffers only what has arrived of a large declared frame", () => {
    const reader = new FrameReader(1 << 20);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1 << 20);
    assert.deepEqual([...reader.push(Buffer.concat([header, Buffer.alloc(10)]))], []);
    assert.equal(reader.pendingBytes, 10);
  });
});

describe("AndroidMic messages", () => {
  it("round-trips an audio message", () => {
    const msg = decodeAudio(encodeAudioFrame(audio()).subarray(4));
    assert.notEqual(typeof msg, "string");
    const packet = toPacket(msg, 5, undefined);
    assert.deepEqual(typeof packet === "string" ? packet : { ...packet, payload: [...packet.payload] }, {
      format: { codec: "pcm", encoding: "s16", sampleRate: 48000, channels: 1 },
      payload: [1, 2, 3, 4],
      seq: undefined,
      arrivalMs: 5,
    });
  });

  it("maps Android encoding numbers", () => {
    const cases: Array<[number, string, number]> = [[2, "s16", 2], [3, "u8", 1], [4, "f32", 4], [21, "s24", 3], [22, "s32", 4]];
    for (const [number, encoding, bytes] of cases) {
      const f = formatOf(audio({ audioFormat: number, buffer: new Uint8Array(bytes * 2), channelCount: 2 }));
      assert.equal(typeof f === "string" ? f : f.encoding, encoding);
    }
  });

  it("says why a message is unusable", () => {
    const cases: Array<[Parameters<typeof audio>[0], RegExp]> = [
      [{ audioFormat: 7 }, /unknown audio_format 7/],
      [{ audioFormat: 0 }, /unknown audio_format 0/],
      [{ channelCount: 0 }, /channel count 0/],
      [{ channelCount: 3 }, /channel count 3/],
      [{ sampleRate: 0 }, /sample rate 0/],
      [{ sampleRate: 400000 }, /sample rate 400000/],
      [{ buffer: new Uint8Array(3) }, /not a whole number of frames/],
      [{ buffer: new Uint8Array(6), channelCount: 2, audioFormat: 22 }, /not a whole number of frames/],
      [{ buffer: new Uint8Array(0) }, /empty/],
    ];
    for (const [over, reason] of cases) assert.match(formatOf(audio(over)) as string, reason);
  });

  it("reports a truncated protobuf instead of throwing", () => {
    const body = encodeAudioFrame(audio({ buffer: new Uint8Array(100) })).subarray(4);
    assert.match(decodeAudio(body.subarray(0, 20)) as string, /truncated or invalid protobuf/);
  });

  it("decodes UDP wrappers and checks their length field", () => {
    assert.deepEqual(decodeDatagram(encodeWrapperFrame({ kind: "connect" })), { kind: "connect" });
    const w = decodeDatagram(encodeWrapperFrame({ kind: "audio", seq: 70000, audio: audio() }));
    assert.ok(typeof w !== "string" && w.kind === "audio" && w.seq === 70000 && w.audio.sampleRate === 48000);
    const good = encodeWrapperFrame({ kind: "audio", seq: 1, audio: audio() });
    assert.match(decodeDatagram(good.subarray(0, good.length - 3)) as string, /length field says/);
    assert.match(decodeDatagram(good.subarray(0, 2)) as string, /shorter than its length field/);
    const cut = frame(good.subarray(4, good.length - 3));
    assert.match(decodeDatagram(cut) as string, /truncated or invalid protobuf/);
    assert.match(decodeDatagram(frame(new Uint8Array(0))) as string, /neither connect nor audio/);
  });
});
