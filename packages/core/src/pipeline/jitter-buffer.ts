/**
 * Packet reorder buffer keyed by 16-bit sequence numbers.
 *
 * Packets are stored (copied) in a ring of `capacity` slots indexed by seq mod capacity, and
 * taken out strictly in sequence order. Whether to wait for a missing packet or give it up is
 * the caller's decision: `take` reports "missing" only when a later packet is already here.
 *
 *   head (next to play)
 *    v
 *   [ 17 ][ -- ][ 19 ][ 20 ][ -- ] …   slots; 18 is missing, 19 and 20 wait behind it
 *
 * Sequence arithmetic is modulo 65536, so a wrap from 65535 to 0 is just +1. A packet that
 * jumps far behind or far ahead of the head is a sender restart: the caller starts a new stream.
 * Until the first packet is taken, a packet a little behind the head moves the head back (the
 * first two packets of a stream may arrive swapped); after that it is late. Each slot remembers
 * whether its last turn played a real packet, which tells a late packet from a replayed one.
 */
import type { EncodedPacket } from "../transport.js";
import type { StreamFormat } from "../format.js";

/** One stored packet. Its `payload` is owned by the buffer and reused after `take`. */
export interface BufferedPacket {
  seq: number;
  format: StreamFormat;
  payload: Uint8Array;
  length: number;
  arrivalMs: number;
  timestampMs: number | undefined;
  frames: number;
}

/**
 * What `insert` did with a packet: "late" = its turn passed and it was concealed; "replay" = its
 * turn passed and it was played (a second copy, or a restarted sender's packet).
 */
export type InsertOutcome = "stored" | "duplicate" | "late" | "replay" | "restart";

/** Signed distance from `b` to `a` in 16-bit sequence space, in [-32768, 32767]. */
export function seqDelta(a: number, b: number): number {
  return ((((a - b) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
}

export class JitterBuffer {
  private readonly slots: (BufferedPacket | undefined)[];
  private readonly pool: BufferedPacket[] = [];
  /** Per slot: the sequence number last played from a real packet, or -1. */
  private readonly played: Int32Array;
  private head: number | undefined;
  private newest = 0;
  private count = 0;
  private frames = 0;
  private started = false;

  /**
   * @param capacity slots, a power of two (so seq mod capacity survives the 16-bit wrap); a packet
   *   this far ahead of the head or further is a sender restart
   * @param restartBehind a packet this far behind the head or further is a sender restart
   */
  constructor(
    readonly capacity = 256,
    readonly restartBehind = 50,
  ) {
    if (capacity & (capacity - 1) || capacity > 32768) throw new RangeError("capacity must be a power of two up to 32768");
    this.slots = new Array(capacity).fill(undefined);
    this.played = new Int32Array(capacity).fill(-1);
  }

  /** Packets waiting. */
  get size(): number {
    return this.count;
  }

  /** Frames (at each packet's own rate) waiting. */
  get bufferedFrames(): number {
    return this.frames;
  }

  /** Sequence number expected next, if any packet was seen. */
  get nextSeq(): number | undefined {
    return this.head;
  }

  /**
   * Missing packets between the head and the newest one stored: each will be concealed when its
   * turn comes, so it counts as buffered audio.
   */
  get holes(): number {
    return this.count === 0 || this.head === undefined ? 0 : seqDelta(this.newest, this.head) + 1 - this.count;
  }

  /** Stores a copy of `packet`; `frames` is its decoded length, `seq` its 16-bit number. */
  insert(packet: EncodedPacket, frames: number, seq = packet.seq ?? 0): InsertOutcome {
    seq &= 0xffff;
    if (this.head === undefined) this.head = this.newest = seq;
    let ahead = seqDelta(seq, this.head);
    if (ahead < 0) {
      if (-ahead >= this.restartBehind) return "restart";
      if (this.started) return this.played[seq % this.capacity] === seq ? "replay" : "late";
      if (seqDelta(this.newest, seq) >= this.capacity) return "late";
      this.head = seq;
      ahead = 0;
    }
    if (ahead >= this.capacity) return "restart";
    const index = seq % this.capacity;
    const held = this.slots[index];
    if (held) return "duplicate";
    const slot = this.pool.pop() ?? { seq: 0, format: packet.format, payload: new Uint8Array(packet.payload.length), length: 0, arrivalMs: 0, timestampMs: undefined, frames: 0 };
    if (slot.payload.length < packet.payload.length) slot.payload = new Uint8Array(Math.max(packet.payload.length, slot.payload.length * 2));
    slot.payload.set(packet.payload);
    slot.length = packet.payload.length;
    slot.seq = seq;
    slot.format = packet.format;
    slot.arrivalMs = packet.arrivalMs;
    slot.timestampMs = packet.timestampMs;
    slot.frames = frames;
    this.slots[index] = slot;
    this.count++;
    this.frames += frames;
    if (seqDelta(seq, this.newest) > 0) this.newest = seq;
    return "stored";
  }

  /** The packet at the head, if it is here. */
  peekHead(): BufferedPacket | undefined {
    return this.head === undefined ? undefined : this.slots[this.head % this.capacity];
  }

  /** The packet right after the head, if it is here (its FEC can rebuild a lost head). */
  peekNext(): BufferedPacket | undefined {
    if (this.head === undefined) return undefined;
    return this.slots[((this.head + 1) & 0xffff) % this.capacity];
  }

  /**
   * Takes the head: the packet (valid until `release`), "missing" when it is absent but a later
   * packet is here (the caller conceals it), or undefined when nothing is waiting.
   */
  take(): BufferedPacket | "missing" | undefined {
    if (this.head === undefined || this.count === 0) return undefined;
    const index = this.head % this.capacity;
    const slot = this.slots[index];
    this.played[index] = slot ? this.head : -1;
    this.head = (this.head + 1) & 0xffff;
    this.started = true;
    if (!slot) return "missing";
    this.slots[index] = undefined;
    this.count--;
    this.frames -= slot.frames;
    return slot;
  }

  /** Gives up the head packet while nothing at all is buffered (it is late or lost). */
  skip(): void {
    if (this.head === undefined || this.count > 0) return;
    this.played[this.head % this.capacity] = -1;
    this.head = (this.head + 1) & 0xffff;
    this.started = true;
  }

  /** Takes back the last `count` skips while nothing is buffered: those numbers may still come. */
  unskip(count: number): void {
    if (this.head === undefined || this.count > 0) return;
    this.head = (this.head - count) & 0xffff;
  }

  /** Returns a taken packet's memory to the pool. */
  release(packet: BufferedPacket): void {
    this.pool.push(packet);
  }

  /** Drops everything and forgets the head (a new stream starts with the next insert). */
  reset(): void {
    for (let i = 0; i < this.capacity; i++) {
      const slot = this.slots[i];
      if (slot) this.pool.push(slot);
      this.slots[i] = undefined;
    }
    this.head = undefined;
    this.count = 0;
    this.frames = 0;
    this.started = false;
    this.played.fill(-1);
  }
}
