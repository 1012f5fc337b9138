/**
 * AndroidMic, PC side: the phone dials us over TCP or UDP. Listeners stay up across sessions;
 * each `open` waits for the next phone to finish its handshake.
 *
 * One phone at a time: a phone that connects while another streams is refused (or, with
 * `multiple: "replace"`, takes over). A phone that has been silent for `silenceTimeoutMs`
 * no longer holds its place. A phone admitted while nobody waits in `open` is parked
 * ("pending") and handed to the next `open`.
 */
import type { RemoteInfo } from "node:dgram";
import type { Socket } from "node:net";
import { ErrorName, PhonemicError, throwIfAborted } from "@phonemic/core";
import type { Clock, Logger, PacketSink, Transport, TransportSession } from "@phonemic/core";
import { Listeners } from "./listeners.js";
import { peerName } from "./net.js";
import type { AndroidMicOptions } from "./options.js";
import { PhoneSession, type PhoneLink } from "./session.js";
import { readHello, TcpLink } from "./tcp-link.js";
import { UdpLink } from "./udp-link.js";
import { decodeDatagram } from "./wire.js";

/** How long a fresh TCP connection may take to say "AndroidMic1". */
const HELLO_TIMEOUT_MS = 3000;
/** Bound on the set of UDP senders we already logged as refused. */
const MAX_REMEMBERED_REFUSALS = 64;

interface Waiter {
  readonly sink: PacketSink;
  resolve(session: TransportSession): void;
  reject(err: Error): void;
}

export class AndroidMicTransport implements Transport {
  readonly description: string;
  private listening: Promise<Listeners> | undefined;
  private listeners: Listeners | undefined;
  private readonly waiters: Waiter[] = [];
  private current: PhoneSession | undefined;
  private pending: { link: PhoneLink; heardMs: number } | undefined;
  private readonly handshaking = new Set<Socket>();
  private readonly refusedUdp = new Set<string>();
  /** "address|port" of the last UDP phone that fell silent, which may come back without a hello. */
  private lastUdpPeer: string | undefined;
  private disposing: Promise<void> | undefined;

  constructor(
    private readonly options: AndroidMicOptions,
    private readonly deps: { readonly logger: Logger; readonly clock: Clock },
  ) {
    const kinds = options.via === "both" ? "TCP and UDP" : options.via.toUpperCase();
    this.description = `AndroidMic on ${kinds} port ${options.port} (${options.address})`;
  }

  /** Starts listening (once; later calls share it) and resolves with the bound port. */
  async listen(signal: AbortSignal): Promise<number> {
    this.checkNotDisposed();
    this.listening ??= Listeners.open(this.options.address, this.options.port, this.options.via, signal).then((l) => {
      this.listeners = l;
      l.tcp?.on("connection", (socket: Socket) => this.onConnection(socket));
      l.udp?.on("message", (msg: Buffer, rinfo: RemoteInfo) => this.onDatagram(msg, rinfo));
      l.udp?.on("error", (err) => this.deps.logger.warn(`AndroidMic: UDP socket error: ${err.message}`));
      this.deps.logger.info(`AndroidMic: waiting for a phone on ${l.description} (${l.address})`);
      if (this.disposing) void l.close();
      return l;
    });
    try {
      return (await this.listening).port;
    } catch (err) {
      this.listening = undefined; // a later open may try again
      throw err;
    }
  }

  async open(sink: PacketSink, signal: AbortSignal): Promise<TransportSession> {
    throwIfAborted(signal);
    await this.listen(signal);
    this.checkNotDisposed();
    throwIfAborted(signal);
    const parked = this.pending;
    this.pending = undefined;
    if (parked?.link.alive) return this.startSession(parked.link, sink);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        sink,
        resolve: (session) => {
          signal.removeEventListener("abort", onAbort);
          resolve(session);
        },
        reject: (err) => {
          signal.removeEventListener("abort", onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(new PhonemicError(ErrorName.Aborted, "waiting for a phone was cancelled"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      const gone = new PhonemicError(ErrorName.Aborted, "stopped waiting for a phone: the AndroidMic transport was disposed");
      for (const waiter of this.waiters.splice(0)) waiter.reject(gone);
      this.current?.end("closed", `stopped listening to ${this.current.peer}`);
      this.pending?.link.close();
      this.pending = undefined;
      for (const socket of this.handshaking) socket.destroy();
      await this.listeners?.close();
    })();
    return this.disposing;
  }

  private onConnection(socket: Socket): void {
    const peer = peerName(socket.remoteAddress ?? "?", socket.remotePort ?? 0);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    this.handshaking.add(socket);
    socket.once("close", () => this.handshaking.delete(socket));
    readHello(socket, HELLO_TIMEOUT_MS).then(
      (leftover) => {
        this.handshaking.delete(socket);
        if (this.disposing) return void socket.destroy();
        const link = new TcpLink(socket, peer, leftover, this.options.maxFrameBytes, this.deps.clock);
        if (this.admit(link)) link.answer();
        else {
          // Polite: a FIN rather than a reset, then no more waiting than a second.
          socket.end();
          socket.setTimeout(1000, () => socket.destroy());
        }
      },
      (err: Error) => {
        this.deps.logger.warn(`AndroidMic: ignored a TCP connection from ${peer}: ${err.message}`);
        socket.destroy();
      },
    );
  }

  private onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    const arrivalMs = this.deps.clock.now();
    const datagram = msg.length - 4 > this.options.maxFrameBytes ? "datagram over the frame size limit" : decodeDatagram(msg);
    const link = this.udpLink(rinfo);
    if (link) {
      if (this.pending?.link === link) this.pending.heardMs = arrivalMs;
      if (typeof datagram !== "string" && datagram.kind === "connect") link.answer(); // our answer was lost
      else link.deliver(datagram, arrivalMs);
      return;
    }
    const peer = peerName(rinfo.address, rinfo.port);
    const fresh = () => new UdpLink(this.listeners!.udp!, rinfo.address, rinfo.port, peer);
    if (typeof datagram !== "string" && datagram.kind === "connect") {
      const link = fresh();
      if (this.admit(link)) link.answer();
    } else if (this.lastUdpPeer === `${rinfo.address}|${rinfo.port}` && typeof datagram !== "string") {
      // The phone we timed out is back (screen unlocked, Wi-Fi returned). UDP never told it we
      // gave up, so it will not say hello again: take it back if the place is free.
      const link = fresh();
      if (this.admit(link)) link.deliver(datagram, arrivalMs);
    } else {
      this.logOnce(peer, `AndroidMic: ignoring UDP datagrams from ${peer}: it has not connected`);
    }
  }

  /** The UDP link for a sender, if it is the current or the parked phone. */
  private udpLink(rinfo: RemoteInfo): UdpLink | undefined {
    for (const link of [this.current?.active ? this.current.link : undefined, this.pending?.link]) {
      if (link instanceof UdpLink && link.is(rinfo.address, rinfo.port)) return link;
    }
    return undefined;
  }

  /** Applies the one-phone rule; true when `link` got the place (a session, or parked). */
  private admit(link: PhoneLink): boolean {
    const now = this.deps.clock.now();
    const session = this.current?.active ? this.current : undefined;
    const holder = session?.link ?? (this.pending?.link.alive ? this.pending.link : undefined);
    if (holder) {
      const silentMs = session ? session.silentForMs() : now - this.pending!.heardMs;
      const silent = silentMs >= this.options.silenceTimeoutMs;
      if (!silent && this.options.multiple === "refuse") {
        const line = `AndroidMic: another phone is already streaming from ${holder.peer}; refused ${link.peer}`;
        if (link.via === "tcp") this.deps.logger.warn(line);
        else this.logOnce(link.peer, line);
        return false;
      }
      const why = silent ? `after ${Math.round(silentMs)} ms of silence` : "(multiple: replace)";
      const line = `${holder.peer} was replaced by ${link.peer} ${why}`;
      if (session) session.end("link-lost", line);
      else {
        holder.close();
        this.deps.logger.info(`AndroidMic: ${line}`);
      }
      this.pending = undefined;
    }
    this.refusedUdp.clear();
    this.lastUdpPeer = undefined;
    this.deps.logger.info(`AndroidMic: ${link.peer} connected over ${link.via.toUpperCase()}`);
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(this.startSession(link, waiter.sink));
    else this.pending = { link, heardMs: now };
    return true;
  }

  private startSession(link: PhoneLink, sink: PacketSink): PhoneSession {
    const session = new PhoneSession(link, sink, this.deps, this.options.silenceTimeoutMs);
    this.current = session;
    void session.ended.then((end) => {
      if (this.current === session) this.current = undefined;
      if (link instanceof UdpLink && end.reason === "link-lost") this.lastUdpPeer = `${link.address}|${link.port}`;
    });
    return session;
  }

  private logOnce(peer: string, line: string): void {
    if (this.refusedUdp.has(peer)) return;
    if (this.refusedUdp.size >= MAX_REMEMBERED_REFUSALS) this.refusedUdp.clear();
    this.refusedUdp.add(peer);
    this.deps.logger.warn(line);
  }

  private checkNotDisposed(): void {
    if (this.disposing) throw new PhonemicError(ErrorName.Resource, "the AndroidMic transport has been disposed");
  }
}
