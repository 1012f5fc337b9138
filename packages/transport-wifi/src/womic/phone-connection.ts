/**
 * One PC connected to our stand-in for the WO MIC app. Answers the handshake as the app does:
 *
 *   PC: 65 len 6 …          ->  65 00000002 00 04
 *   PC: 66 len 6 02 02 port ->  66 00000001 00   (01 for a codec or rate we do not stream: ours)
 *   PC: 67 len 0            ->  67 00000001 00   and audio starts flowing to PC-ip:port
 *   PC: 69 len 0 (ping)     ->  nothing; keeps the stream alive
 *   PC: 68 len 0 (stop)     ->  stream stops, connection closes
 *
 * Any message counts as a sign of life; none for `pingTimeoutMs` drops the PC (as a phone
 * must, or a PC that vanished without closing TCP would be streamed to forever).
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { isIPv6, type Socket } from "node:net";
import type { Clock, Logger, PcmSource } from "@phonemic/core";
import { hostPort, normalizeIp } from "./net.js";
import { OpusStreamer, type StreamerSettings, type StreamStop } from "./streamer.js";
import { CODEC_OPUS, ControlReader, encodeControl, MessageType, parseSetCodec, RATE_INDEX_48K, VERSION_REPLY_BODY, type ControlMessage } from "./wire.js";

/** What one connection did. */
export interface ConnectionSummary {
  /** True once the PC completed the handshake (sent start). */
  readonly started: boolean;
  readonly packetsSent: number;
  readonly bytesSent: number;
  readonly reason: StreamStop;
}

export class PhoneConnection {
  /** Resolves when the connection is over and its sockets are closed. */
  readonly done: Promise<ConnectionSummary>;
  private readonly reader = new ControlReader(4096);
  private readonly client: string;
  private udpPort: number | undefined;
  private streamer: OpusStreamer | undefined;
  private udp: UdpSocket | undefined;
  private reason: StreamStop | undefined;
  private readonly watchdog: NodeJS.Timeout;
  private resolveDone!: (s: ConnectionSummary) => void;

  constructor(
    private readonly socket: Socket,
    private readonly makeSource: () => PcmSource,
    private readonly settings: StreamerSettings & { readonly pingTimeoutMs: number; readonly udpTo?: { readonly host: string; readonly port: number } },
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.client = normalizeIp(socket.remoteAddress ?? "");
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("end", () => this.stop("disconnected"));
    socket.on("error", () => this.stop("disconnected"));
    socket.on("close", () => this.stop("disconnected"));
    this.watchdog = setTimeout(() => this.stop("ping-timeout"), settings.pingTimeoutMs);
  }

  /** Ends the connection (no-op once ending). */
  stop(reason: StreamStop): void {
    if (this.reason) return;
    this.reason = reason;
    clearTimeout(this.watchdog);
    this.streamer?.stop(reason);
    const started = this.streamer !== undefined;
    const tcpClosed = new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once("close", () => resolve());
      // When the audio ran out, let the last datagrams land before the FIN tells the PC we are
      // done (UDP and TCP race). A PC that vanished never answers our FIN: do not wait for it.
      const lingerMs = reason === "source-ended" ? 100 : 0;
      setTimeout(() => this.socket.end(), lingerMs).unref();
      setTimeout(() => this.socket.destroy(), lingerMs + 500).unref();
    });
    const udp = this.udp;
    const udpClosed = new Promise<void>((resolve) => (udp ? udp.close(() => resolve()) : resolve()));
    void Promise.all([tcpClosed, udpClosed]).then(() =>
      this.resolveDone({ started, packetsSent: this.streamer?.packetsSent ?? 0, bytesSent: this.streamer?.bytesSent ?? 0, reason }),
    );
  }

  private onData(chunk: Buffer): void {
    const result = this.reader.push(chunk);
    for (const m of result.messages) this.onMessage(m);
    if (result.error) {
      this.logger.warn(`WO MIC sender: unreadable data from ${this.client}: ${result.error}`);
      this.stop("disconnected");
    }
  }

  private onMessage(m: ControlMessage): void {
    if (this.reason) return;
    this.watchdog.refresh();
    switch (m.type) {
      case MessageType.CheckVersion:
        return this.reply(m.type, VERSION_REPLY_BODY);
      case MessageType.SetCodec: {
        const codec = parseSetCodec(m.body);
        const ok = codec !== undefined && codec.codec === CODEC_OPUS && codec.rateIndex === RATE_INDEX_48K && codec.udpPort > 0 && codec.udpPort < 65536;
        if (ok) this.udpPort = codec.udpPort;
        return this.reply(m.type, Uint8Array.of(ok ? 0 : 1));
      }
      case MessageType.Start:
        if (this.udpPort === undefined || this.streamer) return this.reply(m.type, Uint8Array.of(1));
        this.reply(m.type, Uint8Array.of(0));
        return void this.startStreaming(this.udpPort);
      case MessageType.Stop:
        return this.stop("stopped");
      case MessageType.Ping:
        return;
      default:
        this.logger.debug(`WO MIC sender: ignoring message type ${m.type} from ${this.client}`);
    }
  }

  private reply(type: number, body: Uint8Array): void {
    this.socket.write(encodeControl(type, body));
  }

  /**
   * Sends from the address the PC dialled, so the datagrams come from the IP it knows us by.
   * `udpTo` (an impairment proxy in front of the PC) replaces the PC's address and port.
   */
  private startStreaming(udpPort: number): void {
    const to = this.settings.udpTo ?? { host: this.client, port: udpPort };
    const family = isIPv6(to.host) ? "udp6" : "udp4";
    const local = normalizeIp(this.socket.localAddress ?? "");
    const udp = createSocket(family);
    this.udp = udp;
    udp.on("error", (err) => {
      this.logger.warn(`WO MIC sender: UDP socket failed: ${err.message}`);
      this.stop("disconnected");
    });
    udp.bind({ address: isIPv6(local) === (family === "udp6") ? local : undefined, port: 0 }, () => {
      if (this.reason) return;
      let source: PcmSource;
      try {
        source = this.makeSource();
      } catch (err) {
        this.logger.error(`WO MIC sender: ${err instanceof Error ? err.message : String(err)}`);
        return this.stop("closed");
      }
      this.streamer = new OpusStreamer(udp, { address: to.host, port: to.port }, source, this.settings, this.clock, this.logger);
      this.logger.info(`WO MIC sender: streaming to ${hostPort(to.host, to.port)} (UDP)`);
      void this.streamer.run().then((why) => this.stop(why));
    });
  }
}
