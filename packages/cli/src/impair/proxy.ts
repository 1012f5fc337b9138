/**
 * The socket side of the impairment proxy: a UDP relay that runs each client→target datagram
 * (and, with bothDirections, each reply) through an ImpairPlan and sends it when the plan says.
 *
 *   client ──▶ listen socket ──▶ plan ▶ queue ──▶ session socket ──▶ target
 *   client ◀── listen socket ◀── queue ◀ plan ◀── session socket ◀── target
 *
 * Each client address gets its own session socket, so the target's answer finds its client.
 * One timer, armed for the earliest due datagram or held-packet deadline. Release times are
 * absolute on the monotonic clock, so a late wake-up delays that wake-up only, never the next.
 */
import type { Socket, RemoteInfo } from "node:dgram";
import { createSocket } from "node:dgram";
import { ErrorName, PhonemicError, systemClock, throwIfAborted, type Clock, type Logger } from "@phonemic/core";
import { impairOptionsSchema, NO_IMPAIRMENT, type ImpairOptions, type ImpairOptionsInput } from "./options.js";
import { ImpairPlan } from "./plan.js";
import { DeliveryQueue } from "./queue.js";
import { Direction, type DirectionStats, type Packet, type Session } from "./direction.js";
import { bindUdp, closeUdp, isLoopback, resolveHost, type Resolved } from "./udp.js";

/** Least recently heard clients are forgotten beyond this many, so sockets can't pile up. */
const MAX_SESSIONS = 64;
/** libuv timers have 1 ms resolution and can wake a fraction early; send what is that close. */
const EARLY_MS = 1;

/** Counters of a running proxy; the top level is the client→target direction. */
export interface ImpairStats extends DirectionStats {
  /** The target→client direction (impaired only with bothDirections). */
  replies: DirectionStats;
  /** Clients with an open session. */
  clients: number;
  /** Socket errors seen (each also logged). */
  errors: number;
}

/** A running impairment proxy. */
export interface ImpairProxy {
  /** Port the proxy listens on (the one bound when 0 was asked). */
  readonly port: number;
  /** Address the proxy listens on. */
  readonly address: string;
  /** A snapshot of the counters. */
  stats(): ImpairStats;
  /** Stops everything; datagrams not yet sent are discarded. */
  close(): Promise<void>;
}

/** What the proxy may use besides its options. */
export interface ImpairDeps {
  clock?: Clock;
  logger?: Logger;
}

/**
 * Starts a seeded UDP impairment proxy; `signal` closes it.
 *
 * @example
 * const proxy = await startImpairProxy({ target: "127.0.0.1:50000", lossPercent: 5, burstLength: 3, seed: 1 });
 * console.log(`send to port ${proxy.port}`);
 */
export async function startImpairProxy(
  input: ImpairOptionsInput,
  signal?: AbortSignal,
  deps: ImpairDeps = {},
): Promise<ImpairProxy> {
  throwIfAborted(signal);
  const parsed = impairOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`);
    throw new PhonemicError(ErrorName.Config, `invalid impairment options: ${issues.join("; ")}`);
  }
  const options = parsed.data;
  const target = await resolveHost(options.target.host, "target");
  const listener = await bindUdp(await resolveHost(options.listen.host, "listen"), options.listen.port);
  const proxy = new ImpairProxyServer(listener, target, options, deps, signal);
  if (signal?.aborted) {
    await proxy.close();
    throw new PhonemicError(ErrorName.Aborted, "impairment proxy start aborted");
  }
  return proxy;
}

class ImpairProxyServer implements ImpairProxy {
  readonly port: number;
  readonly address: string;
  private readonly sessions = new Map<string, Session>();
  private readonly queue = new DeliveryQueue<() => void>();
  private readonly up: Direction;
  private readonly down: Direction;
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private errors = 0;

  constructor(
    private readonly listener: Socket,
    private readonly target: Resolved,
    private readonly options: ImpairOptions,
    private readonly deps: ImpairDeps,
    private readonly signal?: AbortSignal,
  ) {
    ({ port: this.port, address: this.address } = listener.address());
    this.clock = deps.clock ?? systemClock;
    const now = this.clock.now();
    const replies = options.bothDirections ? { ...options, seed: (options.seed ^ 0x9e3779b9) >>> 0 } : NO_IMPAIRMENT;
    this.up = new Direction(new ImpairPlan(options, now), (p) => this.toTarget(p));
    this.down = new Direction(new ImpairPlan(replies, now), (p) => this.toClient(p));
    listener.on("message", (data, from) => this.accept(this.up, { data, session: this.session(from) }));
    listener.on("error", (err) => this.fail("listening socket", err));
    signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  stats(): ImpairStats {
    return { ...this.up.stats(), replies: this.down.stats(), clients: this.sessions.size, errors: this.errors };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.signal?.removeEventListener("abort", this.onAbort);
      clearTimeout(this.timer);
      this.queue.clear();
      const sockets = [this.listener, ...[...this.sessions.values()].map((s) => s.socket)];
      for (const s of this.sessions.values()) s.open = false;
      this.sessions.clear();
      await Promise.all(sockets.map(closeUdp));
    })();
    return this.closing;
  }

  private readonly onAbort = () => void this.close();

  private accept(dir: Direction, packet: Packet): void {
    if (this.closing) return;
    for (const r of dir.plan.arrive(this.clock.now(), packet).releases) this.queue.push(r.atMs, dir.job(r.payload));
    this.pump();
  }

  /** Sends what is due, releases held packets past their deadline, re-arms the timer. */
  private pump(): void {
    if (this.closing) return;
    const now = this.clock.now();
    for (const dir of [this.up, this.down]) {
      for (const r of dir.plan.expire(now)) this.queue.push(r.atMs, dir.job(r.payload));
    }
    for (const job of this.queue.takeDue(now + EARLY_MS)) job();
    clearTimeout(this.timer);
    const next = Math.min(
      this.queue.nextAtMs() ?? Infinity,
      this.up.plan.nextDeadlineMs() ?? Infinity,
      this.down.plan.nextDeadlineMs() ?? Infinity,
    );
    if (next === Infinity) this.timer = undefined;
    else this.timer = setTimeout(() => this.pump(), Math.max(0, Math.ceil(next - this.clock.now())));
  }

  private session(from: RemoteInfo): Session {
    const key = `${from.address}|${from.port}`;
    let s = this.sessions.get(key);
    if (s) {
      this.sessions.delete(key); // re-inserted below: the Map's order is least recently heard first
    } else {
      const socket = createSocket(this.target.family === 6 ? "udp6" : "udp4");
      s = { address: from.address, port: from.port, socket, open: true };
      const session = s;
      socket.on("message", (data) => this.accept(this.down, { data, session }));
      socket.on("error", (err) => {
        this.fail(`session socket of ${from.address}:${from.port}`, err);
        this.dropSession(key, session);
      });
      // Towards a loopback target stay on loopback; otherwise let the route pick the source.
      socket.bind({ port: 0, address: isLoopback(this.target) ? this.target.address : undefined });
      const oldest = this.sessions.keys().next();
      if (this.sessions.size >= MAX_SESSIONS && !oldest.done) this.dropSession(oldest.value, this.sessions.get(oldest.value)!);
    }
    this.sessions.set(key, s);
    return s;
  }

  private dropSession(key: string, s: Session): void {
    if (this.sessions.get(key) === s) this.sessions.delete(key);
    if (s.open) void closeUdp(s.socket);
    s.open = false;
  }

  private toTarget(p: Packet): boolean {
    if (!p.session.open) return false;
    p.session.socket.send(p.data, this.options.target.port, this.target.address, (err) => err && this.fail("send to target", err));
    return true;
  }

  private toClient(p: Packet): boolean {
    if (this.closing) return false;
    this.listener.send(p.data, p.session.port, p.session.address, (err) => err && this.fail("send to client", err));
    return true;
  }

  private fail(where: string, err: Error): void {
    this.errors++;
    this.deps.logger?.warn(`impair: ${where}: ${err.message}`);
  }
}
