import { bytesPerSample, type StreamFormat } from "../format.js";
import { toS16 } from "../audio/pcm.js";
import type { Decoder } from "./decoder.js";

/** How much each repeated block is attenuated while concealing a PCM loss. */
const CONCEAL_FADE = 0.5;

/**
 * PCM "decoder": converts wire samples to 16-bit. Conceals a loss by repeating the last block,
 * fading it out, so a lost packet never becomes a hard click of silence.
 */
export class PcmDecoder implements Decoder {
  private readonly last: Int16Array;
  private lastFrames = 0;
  private gain = 1;

  constructor(readonly format: StreamFormat, maxFrames: number) {
    this.last = new Int16Array(maxFrames * format.channels);
  }

  frameCount(payload: Uint8Array): number {
    return Math.floor(payload.length / (bytesPerSample[this.format.encoding ?? "s16"] * this.format.channels));
  }

  decode(payload: Uint8Array, out: Int16Array): number {
    const frames = Math.min(this.frameCount(payload), Math.floor(out.length / this.format.channels));
    const samples = toS16(payload, this.format.encoding ?? "s16", out.subarray(0, frames * this.format.channels));
    const keep = Math.min(samples, this.last.length);
    this.last.set(out.subarray(samples - keep, samples));
    this.lastFrames = keep / this.format.channels;
    this.gain = 1;
    return frames;
  }

  conceal(frames: number, out: Int16Array, _next?: Uint8Array): number {
    const ch = this.format.channels;
    const n = Math.min(frames, Math.floor(out.length / ch));
    if (this.lastFrames === 0) {
      out.fill(0, 0, n * ch);
      return n;
    }
    const from = this.gain;
    const to = this.gain * CONCEAL_FADE;
    for (let f = 0; f < n; f++) {
      const g = from + ((to - from) * f) / n;
      const src = (f % this.lastFrames) * ch;
      for (let c = 0; c < ch; c++) out[f * ch + c] = Math.round(this.last[src + c]! * g);
    }
    this.gain = to;
    return n;
  }

  reset(): void {
    this.lastFrames = 0;
    this.gain = 1;
  }

  dispose(): void {}
}
