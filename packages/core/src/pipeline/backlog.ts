/**
 * Everything waiting to be played: packets in the jitter buffer (with the holes between them,
 * which will be concealed, so they count as audio), and decoded frames in the FIFO — and the
 * one way to shed it, oldest first.
 *
 *   FIFO (the packet playing now) │ head … holes … newest packet
 *   ◄─────────────── levelMs ────────────────────────────────►
 */
import { framesIn, type PcmFormat } from "../format.js";
import { FrameFifo } from "./fifo.js";
import { JitterBuffer } from "./jitter-buffer.js";

export class Backlog {
  readonly jitter = new JitterBuffer();
  readonly fifo: FrameFifo;
  /** Rate and duration of the newest packet stored: the unit of holes and of start levels. */
  private streamRate = 48000;
  packetMs = 20;

  constructor(private readonly sink: PcmFormat, maxMs: number) {
    // Decoding is on demand, so the FIFO holds about one packet; room for the largest PCM block.
    this.fifo = new FrameFifo(sink.channels, framesIn(Math.max(maxMs, 1000) + 200, sink.sampleRate));
  }

  /** A packet of `frames` frames at `rate` was stored. */
  stored(frames: number, rate: number): void {
    this.streamRate = rate;
    this.packetMs = (frames * 1000) / rate;
  }

  /** Audio waiting, ms; holes count only once playing (before that, they are skipped). */
  levelMs(countHoles: boolean): number {
    const holesMs = countHoles ? this.jitter.holes * this.packetMs : 0;
    return (this.fifo.frames * 1000) / this.sink.sampleRate + (this.jitter.bufferedFrames * 1000) / this.streamRate + holesMs;
  }

  /** True when nothing is left to play. */
  get empty(): boolean {
    return this.fifo.frames === 0 && this.jitter.size === 0;
  }

  /** Skips sequence numbers never received before the first packet present. */
  skipMissingHead(): void {
    while (this.jitter.size > 0 && !this.jitter.peekHead()) this.jitter.take();
  }

  /** Drops the oldest audio while what stays would still reach `keepMs`; returns packets dropped. */
  dropOldest(keepMs: number): number {
    let dropped = 0;
    const fifoMs = (this.fifo.frames * 1000) / this.sink.sampleRate;
    if (fifoMs > 0 && this.levelMs(true) - fifoMs >= keepMs) {
      this.fifo.clear();
      dropped++;
    }
    while (this.jitter.size > 0) {
      const head = this.jitter.peekHead();
      const headMs = head ? (head.frames * 1000) / head.format.sampleRate : this.packetMs;
      if (this.levelMs(true) - headMs < keepMs) break;
      const old = this.jitter.take();
      if (old && old !== "missing") {
        this.jitter.release(old);
        dropped++;
      }
    }
    return dropped;
  }
}
