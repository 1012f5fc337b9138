/**
 * @phonemic/core — the interfaces every phonemic plugin speaks, and the audio pipeline.
 *
 * @example
 * import { defineTransport, type Transport } from "@phonemic/core";
 */
import "reflect-metadata";

export * from "./format.js";
export * from "./clock.js";
export * from "./logger.js";
export * from "./errors.js";
export * from "./schema.js";
export * from "./transport.js";
export * from "./audio-sink.js";
export * from "./plugin.js";
export * from "./codec/index.js";
export { parseWav, wavHeader, WavWriter, type WavAudio } from "./audio/wav.js";
export { toS16, fromS16, floatToS16, remix } from "./audio/pcm.js";
export { Resampler } from "./audio/resampler.js";
export { bufferSource, convertAll, wavSource, toneSource, type PcmSource } from "./audio/source.js";
