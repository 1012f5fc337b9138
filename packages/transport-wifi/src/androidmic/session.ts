/**
 * One phone's stream, from the handshake until it ends. The link (a TCP connection or a UDP
 * peer) feeds it packets; it forwards them to the sink, watches for silence, and ends once.
 */
import type { Clock, EncodedPacket, Logger, PacketSink, StreamEnd, StreamFormat, TransportSession } from "@phonemic/core";

/** A phone after the handshake: a TCP connection or a UDP peer address. */
export interface PhoneLink {
  /** "tcp" or "udp", for messages. */
  readonly via: "tcp" | "udp";
  /** Who is on the other end, e.g. "192.168.1.20:40312". */
  readonly peer: string;
  /** False once the link is known to be gone (a pending TCP connection closed). */
  readonly alive: boolean;
  /** Starts feeding `session`. */
  attach(session: PhoneSession): void;
  /** Releases the link's resources; the session has already ended. */
  close(): void;
}

/** The app's default stream (44.1 kHz mono 16-bit), until the first packet says otherwise. */
export const ASSUMED_FORMAT: StreamFormat = { codec: "pcm", encoding: "s16", sampleRate: 44100, channels: 1 };

export class PhoneSession implements TransportSession {
  readonly peer: string;
  /** AndroidMic announces nothing before audio: this is the app's default, packets carry the truth. */
  readonly format: StreamFormat = ASSUMED_FORMAT;
  readonly ended: Promise<StreamEnd>;
  /** `Clock.now()` of the last bytes from the phone (or of the handshake). */
  lastHeardMs: number;
  private resolveEnded!: (end: StreamEnd) => void;
  private done = false;
  private silenceTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly link: PhoneLink,
    private readonly sink: PacketSink,
    private readonly deps: { readonly clock: Clock; readonly logger: Logger },
    private readonly silenceTimeoutMs: number,
  ) {
    this.peer = link.peer;
    this.lastHeardMs = deps.clock.now();
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.armSilenceTimer(silenceTimeoutMs);
    link.attach(this);
  }

  /** True until the stream ends. */
  get active(): boolean {
    return !this.done;
  }

  /** Milliseconds since the phone last sent anything. */
  silentForMs(): number {
    return this.deps.clock.now() - this.lastHeardMs;
  }

  /** A well-formed packet from the phone. */
  packet(packet: EncodedPacket): void {
    if (this.done) return;
    this.lastHeardMs = packet.arrivalMs;
    this.sink.packet(packet);
  }

  /** Bytes arrived but made no usable packet; the phone is still there. */
  malformed(reason: string): void {
    if (this.done) return;
    this.lastHeardMs = this.deps.clock.now();
    this.deps.logger.debug(`AndroidMic: skipped a packet from ${this.peer}: ${reason}`);
    this.sink.malformed(reason);
  }

  /** Ends the stream once (later calls do nothing) and releases the link. */
  end(reason: StreamEnd["reason"], message: string): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.silenceTimer);
    this.link.close();
    if (reason === "link-lost") this.deps.logger.warn(`AndroidMic: ${message}`);
    else this.deps.logger.info(`AndroidMic: ${message}`);
    this.resolveEnded({ reason, message });
  }

  async close(): Promise<void> {
    this.end("closed", `stopped listening to ${this.peer}`);
  }

  // One timer re-armed for the time left, rather than a timer per packet.
  private armSilenceTimer(delayMs: number): void {
    this.silenceTimer = setTimeout(() => {
      const silent = this.silentForMs();
      if (silent >= this.silenceTimeoutMs) {
        this.end("link-lost", `nothing from ${this.peer} (${this.link.via.toUpperCase()}) for ${Math.round(silent)} ms`);
      } else {
        this.armSilenceTimer(this.silenceTimeoutMs - silent);
      }
    }, Math.max(1, delayMs));
    this.silenceTimer.unref();
  }
}
