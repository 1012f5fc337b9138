/**
 * A stand-in for the WO MIC phone app: listens on TCP like the app, answers the handshake,
 * and streams Opus from a PCM source in real time. Used by `phonemic send` and by tests.
 */
import { createServer, type Server, type Socket } from "node:net";
import { ErrorName, PhonemicError, silentLogger, systemClock, type Clock, type Logger, type PcmSource } from "@phonemic/core";
import { abortError, connectFailure, hostPort } from "./net.js";
import { PhoneConnection, type ConnectionSummary } from "./phone-connection.js";
import type { StreamStop } from "./streamer.js";

/** What `serveWomic` takes. Plain data except `source` and the optional hooks. */
export interface WomicSenderOptions {
  /** Audio to stream, 48 kHz mono (`wavSource(path, { sampleRate: 48000, channels: 1 })`,
   *  `toneSource(...)`), or a function returning a fresh source for each PC. */
  readonly source: PcmSource | (() => PcmSource);
  /** TCP port to listen on, like the app's (8125); 0 picks a free one (see `handle.port`). */
  readonly port?: number;
  /** Address to listen on; "::" (the default) accepts IPv4 and IPv6. */
  readonly host?: string;
  /** Serve one PC, then finish (true, the default); false keeps serving until `close()`. */
  readonly once?: boolean;
  /** Drop a PC that sent nothing (pings) for this long; default 3000. */
  readonly pingTimeoutMs?: number;
  /** Our clock's error in parts per million, positive = fast (more packets per real second). */
  readonly clockSkewPpm?: number;
  /** Stop each stream after this much audio; default: when the source ends. */
  readonly durationMs?: number;
  /** Opus bitrate in bit/s; default 64000 (the app's packets are 110–180 bytes). */
  readonly bitrate?: number;
  /** Opus in-band FEC; default true (makes packets hybrid mode rather than CELT-only). */
  readonly fec?: boolean;
  /** Loss rate the encoder plans FEC for, in percent; default 10. */
  readonly packetLossPercent?: number;
  /** The header's volume byte; default 5, as the app sends. */
  readonly volume?: number;
  /** Send audio here instead of to the PC's address and announced UDP port: for a proxy that
   *  impairs the stream on its way (it must forward to the PC, and sit on the phone's IP). */
  readonly udpTo?: { readonly host: string; readonly port: number };
  /** For tests: raw datagrams to send from the audio socket just before packet `n`. */
  readonly inject?: (n: number) => readonly Uint8Array[] | undefined;
  /** Stops serving, like `close()`. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

/** What a sender did, over all PCs it served. */
export interface WomicSendSummary {
  /** PCs that completed the handshake. */
  readonly clients: number;
  /** Audio datagrams sent. */
  readonly packetsSent: number;
  /** Bytes of audio datagrams sent. */
  readonly bytesSent: number;
  /** Why the last stream stopped, if any started. */
  readonly lastStop?: StreamStop;
}

/** A running sender. */
export interface WomicSenderHandle {
  /** The TCP port actually listened on. */
  readonly port: number;
  /** Resolves when serving is over (after one PC, or after `close()`). */
  readonly done: Promise<WomicSendSummary>;
  /** Stops streaming and listening; resolves with the summary. Safe to call twice. */
  close(): Promise<WomicSendSummary>;
}

/** Starts listening; rejects with ResourceError when the port is taken. */
export async function serveWomic(options: WomicSenderOptions): Promise<WomicSenderHandle> {
  const { host = "::", port = 8125, once = true, logger = silentLogger, clock = systemClock, signal } = options;
  if (signal?.aborted) throw abortError("WO MIC sender");
  const source = options.source;
  if (typeof source !== "function") checkSourceFormat(source);
  const makeSource = typeof source === "function" ? () => checkSourceFormat(source()) : () => source;
  const settings = {
    bitrate: options.bitrate ?? 64000,
    fec: options.fec ?? true,
    packetLossPercent: options.packetLossPercent ?? 10,
    volume: options.volume ?? 5,
    clockSkewPpm: options.clockSkewPpm ?? 0,
    durationMs: options.durationMs ?? Infinity,
    pingTimeoutMs: options.pingTimeoutMs ?? 3000,
    inject: options.inject,
    udpTo: options.udpTo,
  };
  const connections = new Set<PhoneConnection>();
  const summaries: ConnectionSummary[] = [];
  let closing: Promise<WomicSendSummary> | undefined;
  let resolveDone!: (s: WomicSendSummary) => void;
  const done = new Promise<WomicSendSummary>((resolve) => (resolveDone = resolve));

  const server = createServer({ noDelay: true }, (socket: Socket) => {
    if (closing) return void socket.destroy();
    // The app serves one PC: a new connection replaces the current one (it may be stale).
    for (const c of connections) c.stop("replaced");
    if (once) server.close();
    const conn = new PhoneConnection(socket, makeSource, settings, clock, logger);
    connections.add(conn);
    void conn.done.then((s) => {
      connections.delete(conn);
      summaries.push(s);
      logger.info(`WO MIC sender: stream ended (${s.reason}), ${s.packetsSent} packets sent`);
      if (once && !closing) void close();
    });
  });

  const summarize = (): WomicSendSummary => {
    const started = summaries.filter((s) => s.started);
    return {
      clients: started.length,
      packetsSent: started.reduce((n, s) => n + s.packetsSent, 0),
      bytesSent: started.reduce((n, s) => n + s.bytesSent, 0),
      lastStop: started.at(-1)?.reason,
    };
  };

  const close = (): Promise<WomicSendSummary> => {
    closing ??= (async () => {
      signal?.removeEventListener("abort", onAbort);
      const pending = [...connections].map((c) => (c.stop("closed"), c.done));
      await Promise.all([...pending, new Promise<void>((resolve) => server.close(() => resolve()))]);
      const summary = summarize();
      resolveDone(summary);
      return summary;
    })();
    return closing;
  };
  const onAbort = () => void close();

  const bound = await listen(server, host, port);
  signal?.addEventListener("abort", onAbort, { once: true });
  logger.info(`WO MIC sender: listening on ${hostPort(host, bound)}`);
  return { port: bound, done, close };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (err) => {
      const code = (err as { code?: string }).code;
      const what = code === "EADDRINUSE" ? "is already in use" : code === "EACCES" ? "needs privileges" : `cannot be used (${connectFailure(err)})`;
      reject(new PhonemicError(ErrorName.Resource, `TCP port ${port} on ${host} ${what}`, {
        hint: `Choose another port (--port), or stop what holds it (\`ss -tlpn 'sport = :${port}'\` shows it).`,
        cause: err,
      }));
    });
    // "::" with ipv6Only false takes IPv4 connections too, like the app on a dual-stack phone.
    server.listen({ host, port, ipv6Only: false }, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

/** WO MIC streams 48 kHz mono only; anything else would play at the wrong speed. */
function checkSourceFormat(source: PcmSource): PcmSource {
  const { sampleRate, channels } = source.format;
  if (sampleRate === 48000 && channels === 1) return source;
  throw new PhonemicError(ErrorName.Config, `the WO MIC sender needs 48 kHz mono audio, not ${sampleRate} Hz with ${channels} channels`, {
    hint: "Open the file with wavSource(path, { sampleRate: 48000, channels: 1 }), which converts it.",
  });
}
