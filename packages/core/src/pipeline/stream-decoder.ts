/**
 * The playout's decode stage: one packet (or the concealment of a missing one) at a time into
 * the FIFO, in the sink's format.
 *
 *   packet → Decoder (Opus / PCM, or PLC / FEC) → remix channels → Resampler (rate × drift) → FIFO
 *
 * The decoder follows format changes mid-stream. Scratch buffers grow to the largest packet
 * seen and are then reused: steady decoding allocates nothing.
 */
import { createDecoder, MAX_PACKET_FRAMES, opusPacketFrames, type Decoder } from "../codec/index.js";
import { bytesPerSample, framesIn, sameStreamFormat, type PcmFormat, type StreamFormat } from "../format.js";
import { remix } from "../audio/pcm.js";
import { Resampler } from "../audio/resampler.js";
import type { FrameFifo } from "./fifo.js";
import type { BufferedPacket } from "./jitter-buffer.js";
import type { SessionStats } from "./stats.js";
import type { EncodedPacket } from "../transport.js";

/** The resampler's half filter length, in input frames (its default). */
const HALF_TAPS = 8;

export class StreamDecoder {
  private decoder: Decoder | undefined;
  private resampler: Resampler | undefined;
  private decoded = new Int16Array(MAX_PACKET_FRAMES * 2);
  private mixed = new Int16Array(MAX_PACKET_FRAMES * 2);
  private converted = new Int16Array(MAX_PACKET_FRAMES * 4);
  private ratio = 1;
  /** Frames of the last packet decoded, at the stream's rate: the length a concealment fills. */
  private lastFrames = 0;
  /** The resampler has left its bit-exact bypass (it stays out until reset). */
  private filtering = false;

  constructor(
    private readonly sink: PcmFormat,
    private readonly fifo: FrameFifo,
    private readonly stats: SessionStats,
  ) {}

  /** True once a packet was decoded, so a loss can be concealed. */
  get ready(): boolean {
    return this.decoder !== undefined;
  }

  /** Decodes `packet` into the FIFO, marking its arrival time at its first frame. */
  decode(packet: BufferedPacket): void {
    this.use(packet.format);
    let frames = 0;
    try {
      frames = this.decoder!.decode(packet.payload.subarray(0, packet.length), this.scratch(packet.frames));
    } catch {
      this.stats.malformed("undecodable packet");
    }
    if (frames <= 0) return;
    this.lastFrames = frames;
    this.convert(frames, packet.arrivalMs);
  }

  /**
   * Writes one packet's worth of concealment into the FIFO: Opus FEC from `next` when it is the
   * same stream and carries it, else Opus PLC or a faded PCM repeat.
   */
  conceal(next: BufferedPacket | undefined): void {
    const decoder = this.decoder;
    if (!decoder) return;
    const frames = this.lastFrames || framesIn(20, decoder.format.sampleRate);
    const fec = next && sameStreamFormat(next.format, decoder.format) ? next.payload.subarray(0, next.length) : undefined;
    this.convert(decoder.conceal(frames, this.scratch(frames), fec));
  }

  /** Sets the drift speed: > 1 turns each packet into fewer output frames. */
  setRatio(ratio: number): void {
    this.ratio = ratio;
    if (this.resampler) this.resampler.ratio = ratio;
  }

  /** Forgets decoder and resampler history (a new stream). */
  reset(): void {
    this.decoder?.reset();
    this.resampler?.reset();
    this.filtering = false;
  }

  /** Frees the decoder. */
  dispose(): void {
    this.decoder?.dispose();
    this.decoder = undefined;
  }

  private convert(frames: number, arrivalMs?: number): void {
    if (frames <= 0) return;
    const sink = this.sink;
    const from = this.decoder!.format;
    let samples = this.decoded;
    if (from.channels !== sink.channels) {
      if (this.mixed.length < frames * sink.channels) this.mixed = new Int16Array(frames * sink.channels * 2);
      remix(this.decoded, from.channels, this.mixed, sink.channels, frames);
      samples = this.mixed;
    }
    let outFrames = frames;
    let markAt = 0;
    const resampler = this.resampler!;
    if (!resampler.isIdentity) {
      const room = resampler.maxOutputFrames(frames) * sink.channels;
      if (this.converted.length < room) this.converted = new Int16Array(room * 2);
      // A filtering resampler holds back HALF_TAPS input frames, so this output opens with the
      // previous packet's tail: the packet's own first frame (its arrival marker) comes after it.
      if (this.filtering) markAt = Math.round(HALF_TAPS / (resampler.inRate / resampler.outRate) / resampler.ratio);
      outFrames = resampler.process(samples, frames, this.converted);
      samples = this.converted;
      this.filtering = true;
      markAt = Math.min(markAt, outFrames);
    }
    if (markAt > 0) this.fifo.push(samples, markAt);
    this.fifo.push(samples.subarray(markAt * sink.channels), outFrames - markAt, arrivalMs);
  }

  private use(format: StreamFormat): void {
    if (this.decoder && sameStreamFormat(this.decoder.format, format)) return;
    this.decoder?.dispose();
    this.decoder = createDecoder(format);
    this.resampler = new Resampler(this.sink.channels, format.sampleRate, this.sink.sampleRate, HALF_TAPS);
    this.resampler.ratio = this.ratio;
    this.lastFrames = 0;
    this.filtering = false;
  }

  private scratch(frames: number): Int16Array {
    const need = Math.max(frames, MAX_PACKET_FRAMES) * (this.decoder?.format.channels ?? 2);
    if (this.decoded.length < need) this.decoded = new Int16Array(need);
    return this.decoded;
  }
}

let warm = false;

/**
 * Runs the decode path once on throwaway state — an Opus concealment, a resampling with drift —
 * so that compiling it does not stall the first packets of the first stream. Once per process.
 */
export function warmUp(sink: PcmFormat): void {
  if (warm) return;
  warm = true;
  const decoder = createDecoder({ codec: "opus", sampleRate: 48000, channels: sink.channels > 1 ? 2 : 1 });
  const pcm = new Int16Array(MAX_PACKET_FRAMES * 2);
  const frames = decoder.conceal(960, pcm);
  decoder.dispose();
  const resampler = new Resampler(sink.channels, 48000, sink.sampleRate, HALF_TAPS);
  resampler.ratio = 1.001;
  const out = new Int16Array(resampler.maxOutputFrames(frames) * sink.channels);
  for (let i = 0; i < 3; i++) resampler.process(pcm, frames, out);
}

/** Frames a packet holds at its own rate, read from its bytes (0: unreadable). */
export function packetFrames(packet: EncodedPacket): number {
  const f = packet.format;
  if (f.codec === "opus") return opusPacketFrames(packet.payload, f.sampleRate);
  if (f.channels < 1) return 0;
  return Math.floor(packet.payload.length / (bytesPerSample[f.encoding ?? "s16"] * f.channels));
}
