/**
 * Socket set-up shared by both ends of WO MIC: dialling TCP with a time-out, binding the
 * dual-stack UDP socket, and comparing addresses. Failures become typed errors here, once.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, isIPv6, type Socket } from "node:net";
import { ErrorName, PhonemicError } from "@phonemic/core";

/** The address without IPv4-mapped prefix, zone id or case, so both socket families compare equal. */
export function normalizeIp(address: string): string {
  let ip = address.toLowerCase();
  const zone = ip.indexOf("%");
  if (zone >= 0) ip = ip.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  return mapped ? mapped[1]! : ip;
}

/** "host:port", with brackets around an IPv6 literal. */
export function hostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Accepts "[::1]" as well as "::1" for an IPv6 literal. */
export function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** The error an aborted operation rejects with. */
export function abortError(what: string): PhonemicError {
  return new PhonemicError(ErrorName.Aborted, `${what} aborted`);
}

const unreachableWords: Record<string, string> = {
  ECONNREFUSED: "connection refused (nothing listens on that port)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "no such host name",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  ECONNRESET: "connection reset",
};

/** Words for a connect error: "connection refused (…)" rather than "ECONNREFUSED". */
export function connectFailure(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code && unreachableWords[code]) return unreachableWords[code]!;
  if (err instanceof AggregateError && err.errors.length > 0) return connectFailure(err.errors[0]);
  return err instanceof Error ? err.message : String(err);
}

/**
 * Opens a TCP connection. Rejects with UnreachableError (refused, unreachable, unknown name,
 * no answer within `timeoutMs`) or AbortError. `hint` is attached to UnreachableError.
 */
export function dialTcp(host: string, port: number, timeoutMs: number, signal: AbortSignal, hint: string): Promise<Socket> {
  const where = hostPort(host, port);
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(`connecting to ${where}`));
    const socket = connect({ host, port });
    const finish = (err?: Error) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      socket.off("error", onError);
      socket.off("connect", onConnect);
      if (!err) return resolve(socket);
      socket.destroy();
      reject(err);
    };
    const fail = (words: string, cause?: unknown) =>
      finish(new PhonemicError(ErrorName.Unreachable, `cannot reach ${where}: ${words}`, { hint, cause }));
    const onError = (err: Error) => fail(connectFailure(err), err);
    const onConnect = () => finish();
    const onAbort = () => finish(abortError(`connecting to ${where}`));
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once("error", onError);
    socket.once("connect", onConnect);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Binds a UDP socket on every local address: IPv6 `::` with IPv4 mapped in (so the phone may
 * send over either family), falling back to IPv4 where the kernel has no IPv6. `reuseAddr`
 * mirrors the original client, which set SO_REUSEADDR. Port 0 picks a free port.
 */
export async function bindUdp(port: number, signal: AbortSignal): Promise<UdpSocket> {
  const socket = await bindEither(port, signal);
  try {
    // Room for seconds of datagrams (each costs ~2 KiB of kernel memory) while the event loop is busy.
    socket.setRecvBufferSize(256 * 1024);
  } catch {
    // Keep the system default.
  }
  return socket;
}

async function bindEither(port: number, signal: AbortSignal): Promise<UdpSocket> {
  try {
    return await bindOne("udp6", "::", port, signal);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "EAFNOSUPPORT" && code !== "EADDRNOTAVAIL") throw typedBindError(err, port);
  }
  try {
    return await bindOne("udp4", "0.0.0.0", port, signal);
  } catch (err) {
    throw typedBindError(err, port);
  }
}

function bindOne(type: "udp4" | "udp6", address: string, port: number, signal: AbortSignal): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError("binding the UDP port"));
    const socket = createSocket({ type, reuseAddr: true, ipv6Only: false });
    const finish = (err?: unknown) => {
      signal.removeEventListener("abort", onAbort);
      socket.off("error", onError);
      if (!err) return resolve(socket);
      socket.close();
      reject(err);
    };
    const onError = (err: Error) => finish(err);
    const onAbort = () => finish(abortError("binding the UDP port"));
    socket.once("error", onError);
    signal.addEventListener("abort", onAbort, { once: true });
    socket.bind({ port, address }, () => finish());
  });
}

function typedBindError(err: unknown, port: number): unknown {
  if (err instanceof PhonemicError) return err;
  const code = (err as { code?: string }).code;
  const what = code === "EADDRINUSE" ? "is already in use" : code === "EACCES" ? "needs privileges" : `cannot be bound (${connectFailure(err)})`;
  return new PhonemicError(ErrorName.Resource, `UDP port ${port} ${what}`, {
    hint: `Choose another UDP port (udpPort), or 0 to let the system pick a free one; \`ss -uapn 'sport = :${port}'\` shows who holds it.`,
    cause: err,
  });
}
