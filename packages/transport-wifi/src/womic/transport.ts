/**
 * WO MIC over Wi-Fi, PC side. The phone app is the server: we dial its TCP port, run the
 * handshake, tell it which UDP port to stream to, and receive Opus datagrams there.
 */
import type { Socket as UdpSocket } from "node:dgram";
import type { Socket } from "node:net";
import { throwIfAborted, type PacketSink, type PluginDeps, type Transport, type TransportSession } from "@phonemic/core";
import { handshake } from "./handshake.js";
import { bindUdp, dialTcp, hostPort, stripBrackets } from "./net.js";
import { WomicSession } from "./session.js";

/** Defaults shared by the class and the plugin's option schema. */
export const WOMIC_DEFAULTS = {
  port: 8125,
  udpPort: 0,
  pingIntervalMs: 1000,
  timeoutMs: 3000,
  connectTimeoutMs: 5000,
} as const;

/** How to reach the phone. Only `host` is required. */
export interface WomicTransportOptions {
  /** The phone's address as the app displays it: IPv4, IPv6 literal, or a host name. */
  readonly host: string;
  /** The app's TCP port (8125). */
  readonly port?: number;
  /** Local UDP port for audio; 0 picks a free one. */
  readonly udpPort?: number;
  /** How often to ping the phone over TCP. */
  readonly pingIntervalMs?: number;
  /** Silence on UDP after which the link counts as lost. */
  readonly timeoutMs?: number;
  /** Limit for the TCP connect, and for each handshake reply. */
  readonly connectTimeoutMs?: number;
}

export class WomicTransport implements Transport {
  readonly description: string;
  private readonly options: Required<WomicTransportOptions>;
  private readonly sessions = new Set<TransportSession>();

  constructor(options: WomicTransportOptions, private readonly deps: PluginDeps) {
    this.options = { ...WOMIC_DEFAULTS, ...dropUndefined(options), host: stripBrackets(options.host) };
    this.description = `WO MIC at ${hostPort(this.options.host, this.options.port)}`;
  }

  /** Connects and runs the handshake; `signal` cancels the set-up (use `close()` to end the stream). */
  async open(sink: PacketSink, signal: AbortSignal): Promise<WomicSession> {
    throwIfAborted(signal);
    const { host, port, udpPort, connectTimeoutMs, pingIntervalMs, timeoutMs } = this.options;
    const where = hostPort(host, port);
    let udp: UdpSocket | undefined;
    let tcp: Socket | undefined;
    try {
      // Bind first: the port goes into set-codec, and a busy port is a local problem to report
      // before bothering the phone.
      udp = await bindUdp(udpPort, signal);
      tcp = await dialTcp(host, port, connectTimeoutMs, signal, unreachableHint(host));
      tcp.setNoDelay(true);
      const boundPort = udp.address().port;
      this.deps.logger.debug(`WO MIC: connected to ${where}, receiving on UDP port ${boundPort}`);
      const { inbox } = await handshake(tcp, boundPort, connectTimeoutMs, signal, protocolHint(where));
      const session = new WomicSession({ tcp, udp, inbox, sink, clock: this.deps.clock, logger: this.deps.logger, peer: where, pingIntervalMs, timeoutMs });
      this.sessions.add(session);
      void session.ended.then(() => this.sessions.delete(session));
      this.deps.logger.info(`WO MIC: streaming from ${where} (Opus, 48 kHz, mono) to UDP port ${boundPort}`);
      return session;
    } catch (err) {
      tcp?.destroy();
      udp?.close();
      throw err;
    }
  }

  /** Closes every session this transport opened. */
  async dispose(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.close()));
  }
}

function unreachableHint(host: string): string {
  return `Check that the WO MIC app shows "Wi-Fi" as transport and is started, and that ${host} is the IP address it displays; the phone and this computer must be on the same network.`;
}

function protocolHint(where: string): string {
  return `Something answered at ${where}, but not as the WO MIC app does: check the address and port (the app uses 8125), and that the app is up to date.`;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
