/**
 * A ring of interleaved 16-bit frames between the decoder and the sink, plus markers that
 * remember when the packet behind each stretch of frames arrived, for latency accounting.
 * Fixed size: nothing is allocated while audio flows.
 */
export class FrameFifo {
  private readonly ring: Int16Array;
  private readonly capacityFrames: number;
  private readIndex = 0;
  private used = 0;
  /** Frames ever written / read: positions for markers. */
  private writtenTotal = 0;
  private readTotal = 0;
  private readonly markerPos: Float64Array;
  private readonly markerArrival: Float64Array;
  private markerHead = 0;
  private markerCount = 0;

  constructor(
    readonly channels: number,
    capacityFrames: number,
    maxMarkers = 1024,
  ) {
    this.capacityFrames = capacityFrames;
    this.ring = new Int16Array(capacityFrames * channels);
    this.markerPos = new Float64Array(maxMarkers);
    this.markerArrival = new Float64Array(maxMarkers);
  }

  /** Frames waiting. */
  get frames(): number {
    return this.used;
  }

  /** Room left, in frames. */
  get free(): number {
    return this.capacityFrames - this.used;
  }

  /** Appends `frames` frames; when `arrivalMs` is given, marks where that packet starts. */
  push(samples: Int16Array, frames: number, arrivalMs?: number): number {
    const n = Math.min(frames, this.free);
    if (arrivalMs !== undefined && n > 0 && this.markerCount < this.markerPos.length) {
      const at = (this.markerHead + this.markerCount) % this.markerPos.length;
      this.markerPos[at] = this.writtenTotal;
      this.markerArrival[at] = arrivalMs;
      this.markerCount++;
    }
    const ch = this.channels;
    let writeIndex = (this.readIndex + this.used) % this.capacityFrames;
    let done = 0;
    while (done < n) {
      const run = Math.min(n - done, this.capacityFrames - writeIndex);
      this.ring.set(samples.subarray(done * ch, (done + run) * ch), writeIndex * ch);
      done += run;
      writeIndex = (writeIndex + run) % this.capacityFrames;
    }
    this.used += n;
    this.writtenTotal += n;
    return n;
  }

  /**
   * Moves up to `frames` frames into `out` at frame offset `outOffset`; returns frames moved.
   * Calls `onArrival` with the arrival time of each packet whose first frame left now, and the
   * frame of `out` where it landed.
   */
  pull(out: Int16Array, outOffset: number, frames: number, onArrival?: (arrivalMs: number, atFrame: number) => void): number {
    const n = Math.min(frames, this.used);
    const firstRead = this.readTotal;
    const ch = this.channels;
    let done = 0;
    while (done < n) {
      const run = Math.min(n - done, this.capacityFrames - this.readIndex);
      out.set(this.ring.subarray(this.readIndex * ch, (this.readIndex + run) * ch), (outOffset + done) * ch);
      done += run;
      this.readIndex = (this.readIndex + run) % this.capacityFrames;
    }
    this.used -= n;
    this.readTotal += n;
    this.popMarkers(onArrival, outOffset - firstRead);
    return n;
  }

  /** Discards up to `frames` of the oldest frames; returns frames dropped. */
  drop(frames: number): number {
    const n = Math.min(frames, this.used);
    this.readIndex = (this.readIndex + n) % this.capacityFrames;
    this.used -= n;
    this.readTotal += n;
    this.popMarkers();
    return n;
  }

  /** Empties the FIFO. */
  clear(): void {
    this.drop(this.used);
  }

  private popMarkers(onArrival?: (arrivalMs: number, atFrame: number) => void, shift = 0): void {
    while (this.markerCount > 0 && this.markerPos[this.markerHead]! < this.readTotal) {
      onArrival?.(this.markerArrival[this.markerHead]!, this.markerPos[this.markerHead]! + shift);
      this.markerHead = (this.markerHead + 1) % this.markerPos.length;
      this.markerCount--;
    }
  }
}
