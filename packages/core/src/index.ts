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
export { JitterBuffer, seqDelta, type BufferedPacket, type InsertOutcome } from "./pipeline/jitter-buffer.js";
export { FrameFifo } from "./pipeline/fifo.js";
export { Playout, defaultPlayout, defaultMaxMs, type PlayoutOptions } from "./pipeline/playout.js";
export { PlayoutLoop, defaultPlayoutLoop, type PlayoutLoopOptions } from "./pipeline/playout-loop.js";
export { SessionStats, LatencyHistogram, type StatsSnapshot, type LatencySummary } from "./pipeline/stats.js";
export { listen, defaultBackoffMs, type ListenParams, type ListenResult } from "./pipeline/listener.js";
export { WavSink, NullSink, wavSinkPlugin, nullSinkPlugin } from "./sinks/wav-sink.js";
export { PluginRegistry, validateDescriptor, builtinPackages, type Importer } from "./plugins/registry.js";
export { createSessionContainer, ListenSession, ListenSettings, type ChosenPlugin, type SessionWiring } from "./plugins/session.js";
// The one DI library copy of the tree, for plugins that want decorators.
export { container, inject, injectable, type DependencyContainer } from "tsyringe";
