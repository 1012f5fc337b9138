/**
 * WAV (RIFF) files: reading any common PCM layout, writing 16-bit PCM.
 *
 *   "RIFF" u32 size "WAVE"
 *   "fmt " u32 16|18|40  u16 tag(1 PCM, 3 float, 0xFFFE extensible) u16 channels u32 rate
 *                        u32 byteRate u16 blockAlign u16 bitsPerSample [...]
 *   "data" u32 size  samples…
 *
 * All fields little-endian.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { ErrorName, PhonemicError } from "../errors.js";
import type { PcmFormat, SampleEncoding } from "../format.js";
import { toS16 } from "./pcm.js";

/** A decoded WAV file. */
export interface WavAudio {
  readonly format: PcmFormat;
  /** Interleaved signed 16-bit samples. */
  readonly samples: Int16Array;
}

function wavError(message: string): PhonemicError {
  return new PhonemicError(ErrorName.Resource, message, {
    hint: "Give a PCM WAV file (8/16/24/32-bit integer or 32-bit float).",
  });
}

/** Parses a WAV file's bytes into 16-bit PCM. Throws a ResourceError naming what is wrong. */
export function parseWav(bytes: Uint8Array): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag4 = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag4(0) !== "RIFF" || tag4(8) !== "WAVE") throw wavError("not a WAV file (no RIFF/WAVE header)");
  let fmt: { tag: number; channels: number; rate: number; bits: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = tag4(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === "fmt " && size >= 16) {
      let tag = view.getUint16(body, true);
      if (tag === 0xfffe && size >= 26) tag = view.getUint16(body + 24, true);
      fmt = { tag, channels: view.getUint16(body + 2, true), rate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === "data") {
      if (!fmt) throw wavError("WAV file has its data before its format");
      const encoding = encodingOf(fmt.tag, fmt.bits);
      if (fmt.channels < 1 || fmt.rate < 1) throw wavError(`WAV file declares ${fmt.channels} channels at ${fmt.rate} Hz`);
      const end = Math.min(bytes.length, body + size);
      const frameBytes = (fmt.bits / 8) * fmt.channels;
      const frames = Math.floor((end - body) / frameBytes);
      const samples = new Int16Array(frames * fmt.channels);
      toS16(bytes.subarray(body, body + frames * frameBytes), encoding, samples);
      return { format: { sampleRate: fmt.rate, channels: fmt.channels }, samples };
    }
    at = body + size + (size & 1);
  }
  throw wavError("WAV file has no data chunk");
}

function encodingOf(tag: number, bits: number): SampleEncoding {
  if (tag === 3 && bits === 32) return "f32";
  if (tag === 1) {
    const byBits: Record<number, SampleEncoding> = { 8: "u8", 16: "s16", 24: "s24", 32: "s32" };
    const enc = byBits[bits];
    if (enc) return enc;
  }
  throw wavError(`unsupported WAV encoding (format tag ${tag}, ${bits} bits)`);
}

/** The 44-byte header of a 16-bit PCM WAV file holding `dataBytes` bytes of samples. */
export function wavHeader(format: PcmFormat, dataBytes: number): Uint8Array {
  const header = new Uint8Array(44);
  const v = new DataView(header.buffer);
  const ascii = (at: number, s: string) => header.set(Buffer.from(s, "ascii"), at);
  ascii(0, "RIFF");
  v.setUint32(4, 36 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, format.channels, true);
  v.setUint32(24, format.sampleRate, true);
  v.setUint32(28, format.sampleRate * format.channels * 2, true);
  v.setUint16(32, format.channels * 2, true);
  v.setUint16(34, 16, true);
  ascii(36, "data");
  v.setUint32(40, dataBytes, true);
  return header;
}

/**
 * Appends 16-bit PCM to a WAV file whose header is rewritten every `syncEveryMs`, so the file is
 * valid at every moment except the few bytes written since — even if the process is killed.
 */
export class WavWriter {
  private readonly fd: number;
  private dataBytes = 0;
  private lastSyncMs = 0;
  private closed = false;

  constructor(
    readonly path: string,
    readonly format: PcmFormat,
    private readonly syncEveryMs = 250,
  ) {
    this.fd = openSync(path, "w");
    writeSync(this.fd, wavHeader(format, 0));
  }

  /** Appends interleaved samples. */
  write(samples: Int16Array): void {
    if (this.closed) return;
    writeSync(this.fd, new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), 0, samples.byteLength, 44 + this.dataBytes);
    this.dataBytes += samples.byteLength;
    const now = performance.now();
    if (now - this.lastSyncMs >= this.syncEveryMs) {
      this.lastSyncMs = now;
      this.syncHeader();
    }
  }

  /** Bytes of samples written so far. */
  get bytesWritten(): number {
    return this.dataBytes;
  }

  /** Finalises the header and closes the file. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.syncHeader();
    this.closed = true;
    closeSync(this.fd);
  }

  private syncHeader(): void {
    writeSync(this.fd, wavHeader(this.format, this.dataBytes), 0, 44, 0);
  }
}
