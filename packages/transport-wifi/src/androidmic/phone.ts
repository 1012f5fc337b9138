/**
 * The phone's side of AndroidMic, for `phonemic send` and for tests: dials the PC, says hello,
 * then streams a PcmSource in real time as the app would.
 *
 * Pacing: packet n leaves at start + n × packetMs on the monotonic clock, so timer lateness
 * never accumulates (a late packet is followed by an early one). `clockSkewPpm` scales that
 * period to imitate a phone whose clock runs fast (> 0) or slow (< 0) against the PC's.
 *
 * @example
 * const s = sendAndroidMic({ host: "192.168.1.10", via: "tcp", encoding: "s16", sampleRate: 48000,
 *   channels: 1, source: wavSource("voice.wav", { sampleRate: 48000, channels: 1 }) });
 * console.log(await s.done);
 */
import { setTimeout as sleep } from "node:timers/promises";
import { bytesPerSample, ErrorName, fromS16, PhonemicError, type PcmSource, type SampleEncoding } from "@phonemic/core";
import { dialTcp, dialUdp, type Uplink } from "./phone-link.js";
import { androidFormatOf, encodeAudioFrame, encodeWrapperFrame, MAX_RATE, MIN_RATE } from "./wire.js";

export interface SendAndroidMicOptions {
  /** The PC's address or name ("[::1]" and "::1" both work). */
  readonly host: string;
  /** The PC's port; the app's default is 54345. */
  readonly port?: number;
  readonly via: "tcp" | "udp";
  /** Wire encoding of the samples. */
  readonly encoding: SampleEncoding;
  readonly sampleRate: number;
  /** 1 or 2 (what the app sends). */
  readonly channels: number;
  /** Audio already at `sampleRate` and `channels`. */
  readonly source: PcmSource;
  /** Audio per packet (default 20 ms). */
  readonly packetMs?: number;
  /** Phone clock error in parts per million (> 0: the phone sends faster than real time). */
  readonly clockSkewPpm?: number;
  /** Aborting before the hello rejects `done`; afterwards it ends the stream like `close()`. */
  readonly signal?: AbortSignal;
}

/** How a send went. */
export interface AndroidMicSendSummary {
  /** "finished": the source ran out; "closed": close() or the signal; "pc-closed": the PC went away. */
  readonly ended: "finished" | "closed" | "pc-closed";
  /** One line for a person when the PC went away. */
  readonly detail?: string;
  readonly packets: number;
  readonly frames: number;
  /** Packets not sent because the PC stopped reading (TCP). */
  readonly dropped: number;
  readonly elapsedMs: number;
}

export interface AndroidMicSender {
  /** Resolves once the PC has answered the hello; rejects like `done` when it does not. */
  readonly connected: Promise<void>;
  /** Resolves when streaming stops; rejects (UnreachableError, ProtocolError, ConfigError, AbortError) if it never started. */
  readonly done: Promise<AndroidMicSendSummary>;
  /** Stops streaming; `done` resolves with ended "closed". */
  close(): void;
}

/** Largest UDP payload. */
const MAX_DATAGRAM = 65507;

export function sendAndroidMic(opts: SendAndroidMicOptions): AndroidMicSender {
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  let markConnected!: () => void;
  const connected = new Promise<void>((resolve) => (markConnected = resolve));
  const done = run(opts, signal, () => markConnected());
  // `connected` mirrors a failure of `done`; neither may surface as an unhandled rejection.
  const connectedOrFailed = Promise.race([connected, done.then(() => connected)]);
  connectedOrFailed.catch(() => {});
  return { connected: connectedOrFailed, done, close: () => stop.abort() };
}

async function run(opts: SendAndroidMicOptions, signal: AbortSignal, onConnected: () => void): Promise<AndroidMicSendSummary> {
  const { encoding, sampleRate, channels, via } = opts;
  const packetMs = opts.packetMs ?? 20;
  checkOptions(opts, packetMs);
  const port = opts.port ?? 54345;
  const host = opts.host.replace(/^\[(.*)\]$/, "$1");
  const uplink = via === "tcp" ? await dialTcp(host, port, signal) : await dialUdp(host, port, signal);
  onConnected();
  let lostWhy: string | undefined;
  void uplink.lost.then((why) => (lostWhy = why));

  const audioFormat = androidFormatOf(encoding);
  const periodMs = packetMs / (1 + (opts.clockSkewPpm ?? 0) / 1e6);
  const maxFrames = Math.ceil((packetMs * sampleRate) / 1000);
  const samples = new Int16Array(maxFrames * channels);
  const bytes = new Uint8Array(samples.length * bytesPerSample[encoding]);
  const start = performance.now();
  let packets = 0;
  let frames = 0;
  let dropped = 0;
  let ended: AndroidMicSendSummary["ended"] = "finished";
  for (let n = 0; ; n++) {
    // Frame boundaries from the packet index, so 44.1 kHz × 20 ms never drifts by rounding.
    const want = Math.round(((n + 1) * packetMs * sampleRate) / 1000) - frames;
    const got = opts.source.read(samples.subarray(0, want * channels));
    if (got === 0) break;
    const length = fromS16(samples.subarray(0, got * channels), encoding, bytes);
    const audio = { buffer: bytes.subarray(0, length), sampleRate, channelCount: channels, audioFormat };
    const frame = via === "tcp" ? encodeAudioFrame(audio) : encodeWrapperFrame({ kind: "audio", seq: n, audio });
    if (uplink.send(frame)) packets++;
    else dropped++;
    frames += got;
    if (got < want) break;
    const wait = start + (n + 1) * periodMs - performance.now();
    if (lostWhy === undefined && !signal.aborted && wait > 0) await sleep(wait, undefined, { signal }).catch(() => {});
    if (lostWhy !== undefined) {
      ended = "pc-closed";
      break;
    }
    if (signal.aborted) {
      ended = "closed";
      break;
    }
  }
  await uplink.close();
  const elapsedMs = performance.now() - start;
  return { ended, ...(lostWhy && ended === "pc-closed" ? { detail: lostWhy } : {}), packets, frames, dropped, elapsedMs };
}

function checkOptions(opts: SendAndroidMicOptions, packetMs: number): void {
  const bad = (what: string) => new PhonemicError(ErrorName.Config, `cannot send AndroidMic: ${what}`);
  const { sampleRate, channels, source } = opts;
  if (!Number.isInteger(sampleRate) || sampleRate < MIN_RATE || sampleRate > MAX_RATE) throw bad(`sample rate ${sampleRate} is outside ${MIN_RATE}–${MAX_RATE} Hz`);
  if (channels !== 1 && channels !== 2) throw bad(`${channels} channels (the app sends 1 or 2)`);
  if (source.format.sampleRate !== sampleRate || source.format.channels !== channels) {
    throw bad(`the source is ${source.format.sampleRate} Hz × ${source.format.channels} ch, not ${sampleRate} Hz × ${channels} ch`);
  }
  if (!(packetMs >= 1 && packetMs <= 1000)) throw bad(`packetMs ${packetMs} is outside 1–1000`);
  const packetBytes = Math.ceil((packetMs * sampleRate) / 1000) * channels * bytesPerSample[opts.encoding];
  if (opts.via === "udp" && packetBytes + 32 > MAX_DATAGRAM) {
    throw bad(`${packetMs} ms of ${opts.encoding} audio (${packetBytes} bytes) does not fit in one UDP datagram; use a smaller packetMs`);
  }
}
