/**
 * Splits a TCP byte stream into `[u32 BE length][body]` frames. TCP delivers arbitrary chunks:
 * a frame may span many chunks and a chunk may hold many frames.
 *
 * Memory stays bounded: a declared length over `maxFrameBytes` is refused as soon as its
 * 4-byte header is seen, before anything is buffered for it.
 */
import { LENGTH_BYTES } from "./wire.js";

/** The stream can no longer be split into frames; the connection must be dropped. */
export class FramingError extends Error {
  override readonly name = "FramingError";
}

export class FrameReader {
  /** Bytes received but not yet returned as a frame. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Body length of the frame being read, once its header has arrived. */
  private bodyBytes = -1;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes waiting for the rest of their frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds `chunk` and yields every frame body it completes (each valid until the next call).
   * Throws FramingError when a header declares more than `maxFrameBytes`.
   */
  *push(chunk: Buffer): Generator<Buffer> {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    for (;;) {
      if (this.bodyBytes < 0) {
        if (this.buffered < LENGTH_BYTES) return;
        this.bodyBytes = this.take(LENGTH_BYTES).readUInt32BE(0);
        if (this.bodyBytes > this.maxFrameBytes) {
          throw new FramingError(`frame of ${this.bodyBytes} bytes exceeds the ${this.maxFrameBytes}-byte limit`);
        }
      }
      if (this.buffered < this.bodyBytes) return;
      const body = this.take(this.bodyBytes);
      this.bodyBytes = -1;
      yield body;
    }
  }

  /** Removes and returns the first `n` buffered bytes (copying only when they span chunks). */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first!.length >= n) {
      if (first!.length === n) this.chunks.shift();
      else this.chunks[0] = first!.subarray(n);
      return first!.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const used = Math.min(c.length, n - at);
      c.copy(out, at, 0, used);
      at += used;
      if (used === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(used);
    }
    return out;
  }
}
