/**
 * Tools for end-to-end tests of the real CLI: a UDP tap that records the phone's datagrams
 * on their way to the receiver (a receiver-independent copy of what was sent), a reference
 * decode of them, and sample alignment.
 */
import { createSocket, type Socket } from "node:dgram";
import { OpusDecoder } from "@phonemic/core";

export interface Tap {
  readonly port: number;
  /** Datagrams seen, in arrival order. */
  readonly datagrams: Buffer[];
  /** Sends extra bytes to the receiver from the tap's own socket (same source address as the audio). */
  inject(bytes: Uint8Array): void;
  close(): void;
}

/** Listens on 127.0.0.1, forwards everything to 127.0.0.1:`toPort`, keeps a copy. */
export async function startTap(toPort: number, inject?: (n: number, tap: Tap) => void): Promise<Tap> {
  const socket: Socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const tap: Tap = {
    port: socket.address().port,
    datagrams: [],
    inject: (bytes) => socket.send(bytes, toPort, "127.0.0.1"),
    close: () => socket.close(),
  };
  socket.on("message", (msg) => {
    tap.datagrams.push(msg);
    inject?.(tap.datagrams.length, tap);
    socket.send(msg, toPort, "127.0.0.1");
  });
  return tap;
}

/** A UDP port that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Decodes WO MIC datagrams (11-byte header, Opus) in sequence order with a fresh decoder. */
export function referenceDecode(datagrams: Buffer[]): Int16Array {
  const audio = datagrams.filter((d) => d.length > 11 && d[0] === 4 && d.readUInt16BE(2) === d.length - 4);
  audio.sort((a, b) => a.readUInt16BE(4) - b.readUInt16BE(4));
  const decoder = new OpusDecoder({ codec: "opus", sampleRate: 48000, channels: 1 });
  const out = new Int16Array(audio.length * 960);
  const frame = new Int16Array(5760);
  let at = 0;
  for (const d of audio) {
    const n = decoder.decode(d.subarray(11), frame);
    out.set(frame.subarray(0, n), at);
    at += n;
  }
  decoder.dispose();
  return out.subarray(0, at);
}

/**
 * Where `reference` starts inside `received` (the receiver adds leading silence while it
 * pre-buffers): the offset with the least difference over the first `window` samples.
 */
export function alignment(received: Int16Array, reference: Int16Array, maxOffset = 48000 * 3, window = 4800, step = 1): number {
  let best = -1;
  let bestErr = Infinity;
  // Skip the reference's quiet start so silence cannot match silence.
  let start = 0;
  while (start < reference.length && Math.abs(reference[start]!) < 200) start++;
  const w = Math.min(window, reference.length - start);
  start -= start % step;
  for (let off = 0; off + start + w <= received.length && off <= maxOffset; off += step) {
    let err = 0;
    for (let i = 0; i < w && err < bestErr; i += 4) err += Math.abs(received[off + start + i]! - reference[start + i]!);
    if (err < bestErr) {
      bestErr = err;
      best = off;
    }
  }
  return best;
}

/** Samples that differ between `received` (from `offset`) and `reference`. */
export function mismatches(received: Int16Array, reference: Int16Array, offset: number): number {
  let bad = 0;
  for (let i = 0; i < reference.length; i++) if (received[offset + i] !== reference[i]) bad++;
  return bad;
}
