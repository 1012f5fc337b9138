/**
 * @phonemic/transport-wifi — audio from a phone app over Wi-Fi.
 *
 * The default export is the "wifi" transport plugin; `protocol` picks the app.
 *
 * @example
 * // Receive from the WO MIC app showing 192.168.1.20 (the PC dials the phone):
 * import { WomicTransport } from "@phonemic/transport-wifi";
 * import { silentLogger, systemClock } from "@phonemic/core";
 * const transport = new WomicTransport({ host: "192.168.1.20" }, { logger: silentLogger, clock: systemClock });
 * const session = await transport.open({ packet: (p) => play(p), malformed: () => {} }, AbortSignal.timeout(10_000));
 * console.log(await session.ended); // { reason: "peer-ended", … }
 *
 * // Play the phone's part (what `phonemic send --protocol womic` does):
 * import { serveWomic } from "@phonemic/transport-wifi";
 * import { toneSource } from "@phonemic/core";
 * const phone = await serveWomic({ port: 8125, source: toneSource(440, { sampleRate: 48000, channels: 1 }, 5) });
 * console.log(await phone.done); // { clients: 1, packetsSent: 250, … }
 *
 * // Receive from the AndroidMic app (the phone dials the PC on TCP or UDP port 54345):
 * import { AndroidMicTransport, androidmicOptions } from "@phonemic/transport-wifi";
 * const server = new AndroidMicTransport(androidmicOptions.parse({ protocol: "androidmic" }), { logger: silentLogger, clock: systemClock });
 * const stream = await server.open(sink, signal); // resolves once a phone has said hello
 */
import { defineTransport, type PluginDeps, type Transport } from "@phonemic/core";
import { z } from "zod";
import { womicOptions } from "./womic/options.js";
import { WomicTransport } from "./womic/transport.js";
import { androidmicOptions } from "./androidmic/options.js";
import { AndroidMicTransport } from "./androidmic/transport.js";

export { WomicTransport, WOMIC_DEFAULTS, type WomicTransportOptions } from "./womic/transport.js";
export { WomicSession, WOMIC_FORMAT } from "./womic/session.js";
export { womicOptions, type WomicOptions } from "./womic/options.js";
export {
  MessageType,
  CHECK_VERSION_BODY,
  VERSION_REPLY_BODY,
  CODEC_OPUS,
  RATE_INDEX_48K,
  AUDIO_HEADER_BYTES,
  encodeControl,
  setCodecBody,
  parseSetCodec,
  ControlReader,
  parseAudioHeader,
  parseAudioDatagram,
  encodeAudioHeader,
  encodeAudioDatagram,
  type ControlMessage,
  type ControlReadResult,
  type AudioHeader,
  type AudioDatagram,
  type AudioFields,
} from "./womic/wire.js";
export { serveWomic, type WomicSenderOptions, type WomicSenderHandle, type WomicSendSummary } from "./womic/phone.js";
export { packetDueMs } from "./womic/pacing.js";
export type { StreamStop } from "./womic/streamer.js";
export { sendDatagrams } from "./womic/raw.js";
export {
  AndroidMicTransport,
  androidmicOptions,
  sendAndroidMic,
  type AndroidMicOptions,
  type AndroidMicOptionsInput,
  type AndroidMicSender,
  type SendAndroidMicOptions,
  type AndroidMicSendSummary,
} from "./androidmic/index.js";

/** Options of the wifi plugin: one branch per phone app, chosen by `protocol`. */
export const wifiOptions = z.discriminatedUnion("protocol", [womicOptions, androidmicOptions]);
/** Validated options of the wifi plugin. */
export type WifiOptions = z.output<typeof wifiOptions>;

function createWifi(options: WifiOptions, deps: PluginDeps): Transport {
  switch (options.protocol) {
    case "womic":
      return new WomicTransport(options, deps);
    case "androidmic":
      return new AndroidMicTransport(options, deps);
  }
}

export default defineTransport({
  id: "wifi",
  description: "Audio from a phone app over Wi-Fi (WO MIC, AndroidMic)",
  options: wifiOptions,
  create: createWifi,
});
