/**
 * Sample conversions between wire encodings and the pipeline's interleaved signed 16-bit PCM.
 * All wire encodings are little-endian. These loops write into caller-owned arrays: nothing is
 * allocated per sample or per call.
 */
import type { SampleEncoding } from "../format.js";

/**
 * Converts `bytes` in `encoding` to 16-bit samples in `out`; returns the number of samples.
 * Trailing bytes that do not make a whole sample are ignored.
 */
export function toS16(bytes: Uint8Array, encoding: SampleEncoding, out: Int16Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (encoding) {
    case "u8": {
      const n = Math.min(bytes.length, out.length);
      for (let i = 0; i < n; i++) out[i] = (bytes[i]! - 128) << 8;
      return n;
    }
    case "s16": {
      const n = Math.min(bytes.length >> 1, out.length);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
      return n;
    }
    case "s24": {
      const n = Math.min(Math.floor(bytes.length / 3), out.length);
      // The top 16 of 24 bits; the low byte is below 16-bit resolution.
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 3 + 1, true);
      return n;
    }
    case "s32": {
      const n = Math.min(bytes.length >> 2, out.length);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true) >> 16;
      return n;
    }
    case "f32": {
      const n = Math.min(bytes.length >> 2, out.length);
      for (let i = 0; i < n; i++) out[i] = floatToS16(view.getFloat32(i * 4, true));
      return n;
    }
  }
}

/** Converts 16-bit samples to `encoding` bytes in `out`; returns bytes written (for senders). */
export function fromS16(samples: Int16Array, encoding: SampleEncoding, out: Uint8Array): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const n = samples.length;
  switch (encoding) {
    case "u8":
      for (let i = 0; i < n; i++) out[i] = (samples[i]! >> 8) + 128;
      return n;
    case "s16":
      for (let i = 0; i < n; i++) view.setInt16(i * 2, samples[i]!, true);
      return n * 2;
    case "s24":
      for (let i = 0; i < n; i++) {
        out[i * 3] = 0;
        view.setInt16(i * 3 + 1, samples[i]!, true);
      }
      return n * 3;
    case "s32":
      for (let i = 0; i < n; i++) view.setInt32(i * 4, samples[i]! * 65536, true);
      return n * 4;
    case "f32":
      for (let i = 0; i < n; i++) view.setFloat32(i * 4, samples[i]! / 32768, true);
      return n * 4;
  }
}

/** A float sample in [-1, 1) as 16-bit, clipped. */
export function floatToS16(x: number): number {
  const v = Math.round(x * 32768);
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v | 0;
}

/**
 * Re-channels `frames` interleaved frames from `inCh` to `outCh` channels into `out`.
 * Down-mix averages; up-mix copies mono to every channel; other counts map channel i to i mod inCh.
 */
export function remix(input: Int16Array, inCh: number, out: Int16Array, outCh: number, frames: number): void {
  if (inCh === outCh) {
    out.set(input.subarray(0, frames * inCh));
    return;
  }
  for (let f = 0; f < frames; f++) {
    if (outCh === 1) {
      let sum = 0;
      for (let c = 0; c < inCh; c++) sum += input[f * inCh + c]!;
      out[f] = Math.round(sum / inCh);
    } else {
      for (let c = 0; c < outCh; c++) out[f * outCh + c] = input[f * inCh + (c % inCh)]!;
    }
  }
}
