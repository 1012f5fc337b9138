/**
 * The phone's side of each protocol, behind one function, for `send` and `demo`.
 */
import type { Logger, PcmSource } from "@phonemic/core";
import { serveWomic } from "@phonemic/transport-wifi";

export interface PhoneParams {
  readonly protocol: "womic";
  readonly host: string;
  readonly port: number;
  readonly source: PcmSource;
  readonly clockSkewPpm?: number;
  readonly udpTo?: { host: string; port: number };
  readonly keepServing?: boolean;
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** A running phone emulator. */
export interface Phone {
  /** The port it listens on (WO MIC) or dialled (AndroidMic). */
  readonly port: number;
  /** Resolves with a one-line summary when it is done. */
  readonly done: Promise<string>;
  close(): Promise<void>;
}

/** Starts a WO MIC phone: a TCP server the PC dials, streaming Opus once it does. */
export async function startPhone(p: PhoneParams): Promise<Phone> {
  const handle = await serveWomic({
    host: p.host,
    port: p.port,
    source: p.source,
    once: !p.keepServing,
    clockSkewPpm: p.clockSkewPpm,
    signal: p.signal,
    logger: p.logger,
    ...(p.udpTo ? { udpTo: p.udpTo } : {}),
  });
  const done = handle.done.then((s) => `sent ${s.packetsSent} packets (${s.bytesSent} bytes) to ${s.clients} PC(s)${s.lastStop ? `; last stream: ${s.lastStop}` : ""}`);
  return { port: handle.port, done, close: async () => void (await handle.close()) };
}
