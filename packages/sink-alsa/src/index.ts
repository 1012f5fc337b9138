/**
 * @phonemic/sink-alsa — plays the phone into ALSA, by default into the snd-aloop loopback card,
 * so that any program can record it from `hw:Loopback,1,N` like a microphone.
 *
 * @example
 * // As a plugin, from the config: { sink: { use: "alsa", periodMs: 10 } }
 * import alsa from "@phonemic/sink-alsa";
 *
 * // Directly:
 * import { AlsaSink, findLoopback } from "@phonemic/sink-alsa";
 * import { consoleLogger } from "@phonemic/core";
 * if (!findLoopback()) console.error("run: sudo modprobe snd-aloop");
 * const sink = new AlsaSink({}, { logger: consoleLogger() });
 * const { format, where } = await sink.open({ sampleRate: 48000, channels: 2 }, AbortSignal.timeout(5000));
 * sink.write(new Int16Array(480 * format.channels)); // returns frames taken; never blocks
 * await sink.close(); // plays out what is queued
 */
import { defineSink } from "@phonemic/core";
import { AlsaSink } from "./alsa-sink.js";
import { alsaOptions } from "./options.js";

export { AlsaSink, type AlsaSinkOptions, type AlsaSinkDeps } from "./alsa-sink.js";
export { findLoopback, type LoopbackCard } from "./loopback.js";
export { alsaOptions, type AlsaOptions } from "./options.js";
export type { AlsaBinding, NativePcm, PcmCaps, PcmApplied, PcmLocation, CardInfo } from "./native.js";

export default defineSink({
  id: "alsa",
  description: "Plays into ALSA; by default the snd-aloop loopback card, recordable as a microphone",
  options: alsaOptions,
  create: (options, deps) => new AlsaSink(options, deps),
});
