import type { StreamFormat } from "../format.js";

/**
 * Turns packets of one stream into interleaved 16-bit PCM at the stream's own rate and channels.
 * PCM streams go through a pass-through decoder too, so the pipeline has no special case.
 */
export interface Decoder {
  /** The stream format this decoder was made for. */
  readonly format: StreamFormat;
  /** Frames one packet decodes to, read from its bytes (0 when it cannot tell). */
  frameCount(payload: Uint8Array): number;
  /** Decodes one packet into `out`; returns frames written (throws on a corrupt packet). */
  decode(payload: Uint8Array, out: Int16Array): number;
  /** Writes `frames` frames standing in for a lost packet; `next` (the packet after it) may carry FEC. */
  conceal(frames: number, out: Int16Array, next?: Uint8Array): number;
  /** Forgets history (after a discontinuity or a sender restart). */
  reset(): void;
  /** Frees native memory. */
  dispose(): void;
}
export const Decoder = Symbol.for("phonemic.Decoder");

/** Most frames any packet can hold: 120 ms at 48 kHz (Opus's limit). */
export const MAX_PACKET_FRAMES = 5760;
