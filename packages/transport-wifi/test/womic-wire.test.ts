import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CHECK_VERSION_BODY,
  ControlReader,
  encodeAudioDatagram,
  encodeAudioHeader,
  encodeControl,
  MessageType,
  parseAudioDatagram,
  parseAudioHeader,
  parseSetCodec,
  setCodecBody,
} from "../src/index.js";
import { normalizeIp } from "../src/womic/net.js";
import { hex, seed, seedBytes } from "./womic-helpers.js";

test("every seed datagram: header parses to the recorded fields and serializes back", () => {
  assert.equal(seed.udp.datagrams.length, 6);
  for (const d of seed.udp.datagrams) {
    const first = hex(d.first32Hex);
    // The trace kept 32 bytes of each datagram; pad to its real size to check the length rule.
    const whole = new Uint8Array(d.size);
    whole.set(first);
    const parsed = parseAudioDatagram(whole);
    assert.ok(parsed.ok, `datagram seq ${d.seq}`);
    assert.deepEqual(parsed.header, { kind: 4, len: d.len, seq: d.seq, timestampMs: d.timestampMs, volume: d.volume });
    assert.equal(parsed.payload.length, d.size - 11);
    assert.equal(parsed.payload[0]!.toString(16), d.opusToc);
    assert.deepEqual(parseAudioHeader(first), parsed.header);
    const header = encodeAudioHeader({ seq: d.seq, timestampMs: d.timestampMs, volume: d.volume }, d.size - 11);
    assert.deepEqual(header, first.subarray(0, 11));
    assert.deepEqual(encodeAudioDatagram(parsed.header, parsed.payload), whole);
  }
});

test("control messages serialize to the seed client's bytes", () => {
  const [version, codec, start] = seedBytes("client");
  assert.deepEqual(encodeControl(MessageType.CheckVersion, CHECK_VERSION_BODY), version);
  assert.deepEqual(encodeControl(MessageType.SetCodec, setCodecBody(49152)), codec);
  assert.deepEqual(encodeControl(MessageType.Start), start);
  assert.deepEqual(encodeControl(MessageType.Ping), hex("69 00000000"));
  assert.deepEqual(parseSetCodec(setCodecBody(49152)), { codec: 2, rateIndex: 2, udpPort: 49152 });
  assert.equal(parseSetCodec(new Uint8Array(5)), undefined);
});

test("control reader reassembles the seed exchange fed one byte at a time", () => {
  const stream = Buffer.concat(seedBytes("phone"));
  const reader = new ControlReader();
  const got = [];
  for (const b of stream) {
    const r = reader.push(Uint8Array.of(b));
    assert.equal(r.error, undefined);
    got.push(...r.messages);
  }
  assert.deepEqual(
    got.map((m) => [m.type, Buffer.from(m.body).toString("hex")]),
    [[101, "0004"], [102, "00"], [103, "00"]],
  );
  assert.equal(reader.bufferedBytes, 0);
});

test("control reader splits several messages in one chunk and keeps a partial one", () => {
  const reader = new ControlReader();
  const chunk = Buffer.concat([...seedBytes("client"), hex("69 0000")]);
  const r = reader.push(chunk);
  assert.deepEqual(r.messages.map((m) => m.type), [101, 102, 103]);
  assert.equal(reader.bufferedBytes, 3);
  assert.deepEqual(reader.push(hex("0000")).messages, [{ type: 105, body: new Uint8Array(0) }]);
});

test("control reader reports an oversized length instead of buffering it, and stays failed", () => {
  const reader = new ControlReader(1024);
  const r = reader.push(hex("65 7fffffff 00"));
  assert.match(r.error ?? "", /claims 2147483647 bytes \(limit 1024\)/);
  assert.deepEqual(r.messages, []);
  assert.ok(reader.push(seedBytes("phone")[0]!).error);
  assert.equal(reader.bufferedBytes, 0);
});

test("datagram checks: too short, wrong kind, length mismatch, no audio", () => {
  const good = encodeAudioDatagram({ seq: 7, timestampMs: 140, volume: 5 }, Uint8Array.of(0xf8, 1, 2));
  assert.ok(parseAudioDatagram(good).ok);
  const reason = (bytes: Uint8Array) => {
    const r = parseAudioDatagram(bytes);
    return r.ok ? "ok" : r.reason;
  };
  assert.match(reason(good.subarray(0, 10)), /too short/);
  assert.match(reason(new Uint8Array(0)), /too short/);
  const wrongKind = good.slice();
  wrongKind[0] = 0x05;
  assert.match(reason(wrongKind), /wrong datagram kind 0x05/);
  assert.match(reason(good.subarray(0, good.length - 1)), /length mismatch/);
  assert.match(reason(Buffer.concat([good, Uint8Array.of(0)])), /length mismatch/);
  assert.match(reason(encodeAudioDatagram({ seq: 0, timestampMs: 0, volume: 5 }, new Uint8Array(0))), /without audio/);
});

test("sequence wraps at 65536 and the timestamp at 2^32", () => {
  const d = parseAudioDatagram(encodeAudioDatagram({ seq: 65536 + 3, timestampMs: 2 ** 32 + 20, volume: 5 }, Uint8Array.of(0xf8)));
  assert.ok(d.ok);
  assert.equal(d.header.seq, 3);
  assert.equal(d.header.timestampMs, 20);
});

test("addresses compare across IPv4-mapped IPv6, case and zone", () => {
  assert.equal(normalizeIp("::ffff:127.0.0.1"), "127.0.0.1");
  assert.equal(normalizeIp("::FFFF:10.0.0.5"), "10.0.0.5");
  assert.equal(normalizeIp("FE80::1%wlan0"), "fe80::1");
  assert.equal(normalizeIp("::1"), "::1");
});
