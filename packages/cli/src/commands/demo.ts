/**
 * `phonemic demo`: the main job with nothing to set up. The phone's side (our WO MIC emulator)
 * streams a speech recording on 127.0.0.1; phonemic receives it and plays it into the ALSA
 * loopback card when there is one, otherwise into a WAV file.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bufferSource, consoleLogger, convertAll, describeError, parseWav, toneSource, type Logger, type PcmSource } from "@phonemic/core";
import { readFileSync } from "node:fs";
import { configSchema } from "../config.js";
import { stopSignal } from "../signals.js";
import { runListen } from "../wiring.js";
import { report } from "./listen.js";
import { startPhone } from "./phones.js";

/** Speech recordings shipped by Debian's alsa-utils (48 kHz mono). */
const SPEECH_DIR = "/usr/share/sounds/alsa";
const SPEECH = ["Front_Center", "Front_Left", "Front_Right", "Rear_Center", "Side_Left", "Side_Right"];

export interface DemoFlags {
  out?: string;
  stats?: string;
  verbose?: boolean;
}

export async function demoCommand(flags: DemoFlags): Promise<number> {
  const logger = consoleLogger(flags.verbose);
  const signal = stopSignal();
  const source = speech(logger);
  const sink = await chooseSink(flags.out ?? "phonemic-demo.wav", logger);
  const phone = await startPhone({ protocol: "womic", host: "127.0.0.1", port: 0, source, signal, logger });
  logger.info(`phone emulator streaming ${(source.totalFrames / 48000).toFixed(1)} s of speech from 127.0.0.1:${phone.port}`);
  const config = configSchema.parse({ transport: { use: "wifi", protocol: "womic", host: "127.0.0.1", port: phone.port }, sink });
  const { result, stats } = await runListen({ config, filepath: fileURLToPath(import.meta.url) }, { once: true, logger, signal });
  await phone.close();
  logger.info(sink.use === "alsa" ? "the audio went to the ALSA loopback card (see the capture device above)" : `the audio is in ${sink.path}`);
  report(stats, flags.stats, logger.info);
  return result.exitCode;
}

function speech(logger: Logger): PcmSource {
  const files = SPEECH.map((n) => `${SPEECH_DIR}/${n}.wav`).filter((f) => existsSync(f));
  if (files.length === 0) {
    logger.warn(`no speech recordings in ${SPEECH_DIR} (Debian package alsa-utils); streaming a 440 Hz tone instead`);
    return toneSource(440, { sampleRate: 48000, channels: 1 }, 5);
  }
  const target = { sampleRate: 48000, channels: 1 };
  const parts = files.map((f) => {
    const wav = parseWav(readFileSync(f));
    return convertAll(wav.samples, wav.format, target);
  });
  const all = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return bufferSource(all, target);
}

/** The loopback card when snd-aloop is loaded, else a WAV file (saying why). */
async function chooseSink(wavPath: string, logger: Logger): Promise<{ use: "alsa" } | { use: "wav"; path: string }> {
  try {
    const alsa = (await import("@phonemic/sink-alsa")) as { findLoopback?: () => unknown };
    if (alsa.findLoopback?.()) return { use: "alsa" };
    logger.info("no ALSA loopback card (load it with `sudo modprobe snd-aloop`); writing to a WAV file instead");
  } catch (err) {
    logger.info(`ALSA unavailable (${describeError(err).split("\n")[0]}); writing to a WAV file instead`);
  }
  return { use: "wav", path: wavPath };
}
