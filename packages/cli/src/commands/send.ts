/**
 * `phonemic send`: be the phone. Streams a WAV file or a tone with a phone app's protocol,
 * in real time, so every receive path can be tested and demoed from another Linux box.
 */
import { consoleLogger, ErrorName, PhonemicError, toneSource, wavSource, type Logger, type PcmFormat, type PcmSource } from "@phonemic/core";
import { sendAndroidMic } from "@phonemic/transport-wifi";
import { stopSignal } from "../signals.js";
import { startPhone } from "./phones.js";

export interface SendFlags {
  protocol: "womic" | "androidmic";
  host?: string;
  port?: number;
  via: "tcp" | "udp";
  wav?: string;
  tone?: number;
  duration?: number;
  format: "u8" | "s16" | "s24" | "s32" | "f32";
  rate: number;
  channels: number;
  clockSkew: number;
  udpTo?: string;
  keepServing?: boolean;
  verbose?: boolean;
}

export async function sendCommand(flags: SendFlags): Promise<number> {
  const logger = consoleLogger(flags.verbose);
  const signal = stopSignal(flags.duration !== undefined && flags.wav ? flags.duration : undefined);
  if (flags.protocol === "womic") {
    const source = sourceFrom(flags, { sampleRate: 48000, channels: 1 });
    const phone = await startPhone({
      protocol: "womic",
      host: flags.host ?? "::",
      port: flags.port ?? 8125,
      source,
      clockSkewPpm: flags.clockSkew,
      udpTo: flags.udpTo ? endpoint(flags.udpTo) : undefined,
      keepServing: flags.keepServing,
      signal,
      logger,
    });
    logger.info(`acting as a WO MIC phone on port ${phone.port}; point phonemic listen at this machine`);
    logger.info(await phone.done);
    return 0;
  }
  return sendAndroidMicCommand(flags, signal, logger);
}

/** AndroidMic: dial the PC (which listens) and stream PCM in the chosen encoding. */
async function sendAndroidMicCommand(flags: SendFlags, signal: AbortSignal, logger: Logger): Promise<number> {
  if (flags.channels !== 1 && flags.channels !== 2) throw new PhonemicError(ErrorName.Config, "--channels must be 1 or 2 (what the app sends)");
  const source = sourceFrom(flags, { sampleRate: flags.rate, channels: flags.channels });
  const host = flags.host ?? "127.0.0.1";
  const sender = sendAndroidMic({
    host,
    port: flags.port ?? 54345,
    via: flags.via,
    encoding: flags.format,
    sampleRate: flags.rate,
    channels: flags.channels,
    source,
    clockSkewPpm: flags.clockSkew,
    signal,
  });
  await sender.connected;
  logger.info(`acting as an AndroidMic phone: streaming ${flags.format} ${flags.rate} Hz ${flags.channels} ch over ${flags.via.toUpperCase()} to ${host}:${flags.port ?? 54345}`);
  const s = await sender.done;
  logger.info(`sent ${s.packets} packets (${(s.frames / flags.rate).toFixed(1)} s): ${s.ended}${s.detail ? ` (${s.detail})` : ""}`);
  return s.ended === "pc-closed" ? 1 : 0;
}

function sourceFrom(flags: SendFlags, format: PcmFormat): PcmSource {
  if (flags.wav && flags.tone) throw new PhonemicError(ErrorName.Config, "give either --wav or --tone, not both");
  if (flags.wav) return wavSource(flags.wav, format);
  return toneSource(flags.tone ?? 440, format, flags.duration ?? 10);
}

function endpoint(text: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!m) throw new PhonemicError(ErrorName.Config, `--udp-to: expected host:port, got "${text}"`);
  return { host: m[1]!, port: Number(m[2]) };
}
