/**
 * Audio formats as they travel through phonemic.
 *
 * Inside the pipeline, audio is always interleaved signed 16-bit PCM ("frames" = one sample per
 * channel). On the wire it may be Opus or PCM in several encodings.
 */

/** Layout of interleaved signed 16-bit PCM. */
export interface PcmFormat {
  /** Frames per second, e.g. 48000. */
  readonly sampleRate: number;
  /** Interleaved channels, 1 or 2. */
  readonly channels: number;
}

/** How one PCM sample is stored on the wire. */
export type SampleEncoding = "u8" | "s16" | "s24" | "s32" | "f32";

/** Bytes per sample of each wire encoding. */
export const bytesPerSample: Readonly<Record<SampleEncoding, number>> = {
  u8: 1,
  s16: 2,
  s24: 3,
  s32: 4,
  f32: 4,
};

/** What a transport's packets contain. */
export interface StreamFormat extends PcmFormat {
  /** "opus": one Opus packet per transport packet; "pcm": raw samples in `encoding`. */
  readonly codec: "opus" | "pcm";
  /** Sample encoding of PCM payloads (little-endian); ignored for Opus. */
  readonly encoding?: SampleEncoding;
}

/** True when two stream formats decode the same way. */
export function sameStreamFormat(a: StreamFormat, b: StreamFormat): boolean {
  return (
    a.codec === b.codec &&
    a.sampleRate === b.sampleRate &&
    a.channels === b.channels &&
    (a.codec === "opus" || a.encoding === b.encoding)
  );
}

/** Frames in `ms` milliseconds at `sampleRate`, rounded down. */
export function framesIn(ms: number, sampleRate: number): number {
  return Math.floor((ms * sampleRate) / 1000);
}

/** Milliseconds that `frames` frames last at `sampleRate`. */
export function msOf(frames: number, sampleRate: number): number {
  return (frames * 1000) / sampleRate;
}
