import type { StreamFormat } from "../format.js";
import { MAX_PACKET_FRAMES, type Decoder } from "./decoder.js";
import { OpusDecoder } from "./opus-decoder.js";
import { PcmDecoder } from "./pcm-decoder.js";

export { Decoder, MAX_PACKET_FRAMES } from "./decoder.js";
export { OpusDecoder, opusPacketFrames, opusWasm } from "./opus-decoder.js";
export { PcmDecoder } from "./pcm-decoder.js";

/** A decoder for `format`: Opus, or PCM pass-through with conversion to 16-bit. */
export function createDecoder(format: StreamFormat, maxPcmFrames = MAX_PACKET_FRAMES * 8): Decoder {
  return format.codec === "opus" ? new OpusDecoder(format) : new PcmDecoder(format, maxPcmFrames);
}
