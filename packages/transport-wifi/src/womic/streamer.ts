/**
 * The phone's audio path: 20 ms of PCM -> one Opus packet -> one WO MIC datagram, paced in
 * real time. The app encodes 48 kHz mono Opus in 20 ms frames; we do the same, and turn on
 * in-band FEC so receivers can recover a lost packet from the next one.
 */
import type { Socket as UdpSocket } from "node:dgram";
import { Encoder } from "@evan/opus";
import type { Clock, Logger, PcmSource } from "@phonemic/core";
import { PacedLoop } from "./pacing.js";
import { encodeAudioDatagram } from "./wire.js";

/** Frame length of every packet. */
export const FRAME_MS = 20;
/** Frames per packet at 48 kHz. */
export const FRAMES_PER_PACKET = 960;

/** How a stream is encoded and paced. */
export interface StreamerSettings {
  readonly bitrate: number;
  readonly fec: boolean;
  readonly packetLossPercent: number;
  readonly volume: number;
  readonly clockSkewPpm: number;
  /** Stop after this many milliseconds of audio (Infinity: when the source ends). */
  readonly durationMs: number;
  /** Extra raw datagrams to send just before packet `n` (for staging bad input). */
  readonly inject?: (n: number) => readonly Uint8Array[] | undefined;
}

/** Why a stream stopped. */
export type StreamStop = "source-ended" | "stopped" | "disconnected" | "ping-timeout" | "replaced" | "closed";

export class OpusStreamer {
  /** Datagrams of audio sent (injected ones not counted). */
  packetsSent = 0;
  /** Bytes of audio datagrams sent. */
  bytesSent = 0;
  /** Set once the stream has stopped. */
  stopReason: StreamStop | undefined;
  private readonly encoder: Encoder;
  private readonly pcm = new Int16Array(FRAMES_PER_PACKET);
  private readonly loop: PacedLoop;
  private readonly done: Promise<StreamStop>;
  private resolveDone!: (reason: StreamStop) => void;

  constructor(
    private readonly udp: UdpSocket,
    private readonly to: { readonly address: string; readonly port: number },
    private readonly source: PcmSource,
    private readonly settings: StreamerSettings,
    clock: Clock,
    private readonly logger: Logger,
  ) {
    this.encoder = new Encoder({ channels: 1, sample_rate: 48000, application: "audio" });
    this.encoder.bitrate = settings.bitrate;
    this.encoder.inband_fec = settings.fec;
    this.encoder.packet_loss = settings.packetLossPercent;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.loop = new PacedLoop(clock, FRAME_MS, settings.clockSkewPpm, (n) => this.sendPacket(n), () => this.resolveDone(this.stopReason ?? "stopped"));
  }

  /** Starts sending; resolves with the reason once the stream stops. */
  run(): Promise<StreamStop> {
    this.loop.start();
    return this.done;
  }

  /** Stops sending (no-op once stopped). */
  stop(reason: StreamStop): void {
    this.stopReason ??= reason;
    this.loop.stop();
  }

  private sendPacket(n: number): boolean {
    if (n * FRAME_MS >= this.settings.durationMs) return this.finish();
    this.pcm.fill(0); // the last, partial frame is padded with silence
    if (this.source.read(this.pcm) === 0) return this.finish();
    const opus = this.encoder.encode(this.pcm);
    for (const raw of this.settings.inject?.(n) ?? []) this.send(raw);
    const datagram = encodeAudioDatagram({ seq: n & 0xffff, timestampMs: n * FRAME_MS, volume: this.settings.volume }, opus);
    this.send(datagram);
    this.packetsSent++;
    this.bytesSent += datagram.length;
    return true;
  }

  private finish(): false {
    this.stopReason ??= "source-ended";
    return false;
  }

  private send(bytes: Uint8Array): void {
    this.udp.send(bytes, this.to.port, this.to.address, (err) => {
      // A lost datagram is what UDP does anyway; report it and keep the stream's pace.
      if (err) this.logger.debug(`WO MIC sender: datagram not sent: ${err.message}`);
    });
  }
}
