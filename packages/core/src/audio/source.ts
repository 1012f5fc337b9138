/**
 * Finite PCM sources for the phone's side (`phonemic send`) and for tests: a WAV file of any rate
 * and channel count, converted to the format the sender streams, or a generated tone.
 */
import { readFileSync } from "node:fs";
import type { PcmFormat } from "../format.js";
import { remix } from "./pcm.js";
import { Resampler } from "./resampler.js";
import { parseWav } from "./wav.js";

/** Audio to send, already in the sender's format. */
export interface PcmSource {
  /** Format of the frames `read` returns. */
  readonly format: PcmFormat;
  /** Total frames, or Infinity for an endless source. */
  readonly totalFrames: number;
  /** Fills `out` with the next frames; returns how many (fewer at the end, 0 once done). */
  read(out: Int16Array): number;
}

/** Serves frames from a buffer already in `format`. */
export function bufferSource(samples: Int16Array, format: PcmFormat): PcmSource {
  let at = 0;
  return {
    format,
    totalFrames: samples.length / format.channels,
    read(out) {
      const n = Math.min(out.length, samples.length - at);
      out.set(samples.subarray(at, at + n));
      at += n;
      return n / format.channels;
    },
  };
}

/** Converts interleaved `samples` from one format to another (remix, then resample). */
export function convertAll(samples: Int16Array, from: PcmFormat, to: PcmFormat): Int16Array {
  const frames = samples.length / from.channels;
  let mixed = samples;
  if (from.channels !== to.channels) {
    mixed = new Int16Array(frames * to.channels);
    remix(samples, from.channels, mixed, to.channels, frames);
  }
  if (from.sampleRate === to.sampleRate) return mixed;
  const resampler = new Resampler(to.channels, from.sampleRate, to.sampleRate, 16);
  // Flush the filter's look-ahead with trailing silence so the end is not cut off.
  const padded = new Int16Array(mixed.length + 64 * to.channels);
  padded.set(mixed);
  const out = new Int16Array(resampler.maxOutputFrames(frames + 64) * to.channels);
  const produced = resampler.process(padded, frames + 64, out);
  const wanted = Math.min(produced, Math.round((frames * to.sampleRate) / from.sampleRate));
  return out.slice(0, wanted * to.channels);
}

/** A WAV file converted to `format`. */
export function wavSource(path: string, format: PcmFormat): PcmSource {
  const wav = parseWav(readFileSync(path));
  return bufferSource(convertAll(wav.samples, wav.format, format), format);
}

/** A sine tone at `hz` and `amplitude` (0..1) lasting `seconds` (Infinity: endless). */
export function toneSource(hz: number, format: PcmFormat, seconds = Infinity, amplitude = 0.3): PcmSource {
  const total = seconds === Infinity ? Infinity : Math.round(seconds * format.sampleRate);
  let frame = 0;
  const step = (2 * Math.PI * hz) / format.sampleRate;
  return {
    format,
    totalFrames: total,
    read(out) {
      const n = Math.min(Math.floor(out.length / format.channels), total - frame);
      for (let f = 0; f < n; f++) {
        const v = Math.round(Math.sin((frame + f) * step) * amplitude * 32767);
        for (let c = 0; c < format.channels; c++) out[f * format.channels + c] = v;
      }
      frame += n;
      return n;
    },
  };
}
