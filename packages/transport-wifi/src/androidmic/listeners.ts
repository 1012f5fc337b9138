/**
 * The AndroidMic server's sockets: a TCP listener, a UDP socket, or both on one port number
 * (the app asks for one port whatever its mode). They stay up across sessions.
 */
import type { Socket as UdpSocket } from "node:dgram";
import type { Server } from "node:net";
import { bindUdp, listenTcp } from "./net.js";

export class Listeners {
  private constructor(
    readonly address: string,
    readonly port: number,
    readonly tcp: Server | undefined,
    readonly udp: UdpSocket | undefined,
  ) {}

  /** Binds what `via` asks for. Rejects with ResourceError or AbortError. */
  static async open(address: string, port: number, via: "both" | "tcp" | "udp", signal: AbortSignal): Promise<Listeners> {
    try {
      return await this.bindBoth(address, port, via, signal);
    } catch (err) {
      // A host without IPv6 cannot bind "::"; the IPv4 wildcard still serves every phone it can reach.
      const code = ((err as Error).cause as { code?: string } | undefined)?.code;
      if (address === "::" && code === "EAFNOSUPPORT") return this.bindBoth("0.0.0.0", port, via, signal);
      throw err;
    }
  }

  private static async bindBoth(address: string, port: number, via: "both" | "tcp" | "udp", signal: AbortSignal): Promise<Listeners> {
    // Port 0 (tests): TCP picks a free number and UDP takes the same; rarely UDP has it taken, so retry.
    for (let attempt = 0; ; attempt++) {
      const tcp = via === "udp" ? undefined : await listenTcp(address, port, signal);
      const bound = tcp ? (tcp.address() as { port: number }).port : port;
      try {
        const udp = via === "tcp" ? undefined : await bindUdp(address, bound, signal);
        const actual = udp && !tcp ? udp.address().port : bound;
        return new Listeners(address, actual, tcp, udp);
      } catch (err) {
        tcp?.close();
        if (port !== 0 || attempt >= 4) throw err;
      }
    }
  }

  /** "TCP and UDP port 54345", for messages. */
  get description(): string {
    const kinds = [this.tcp && "TCP", this.udp && "UDP"].filter(Boolean).join(" and ");
    return `${kinds} port ${this.port}`;
  }

  /** Stops listening; connections already accepted are closed by their owners. */
  async close(): Promise<void> {
    const tcp = this.tcp;
    const udp = this.udp;
    await Promise.all([
      tcp && new Promise<void>((resolve) => tcp.close(() => resolve())),
      udp && new Promise<void>((resolve) => udp.close(() => resolve())),
    ]);
  }
}
