/**
 * Socket set-up for the AndroidMic server: binding the listeners (dual-stack when the address
 * is "::") and turning bind failures into ResourceErrors that name the port and its holder.
 */
import { execFile } from "node:child_process";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, isIPv4, isIPv6, type Server } from "node:net";
import { ErrorName, PhonemicError, throwIfAborted } from "@phonemic/core";

/** "1.2.3.4:5" or "[::1]:5"; an IPv4-mapped IPv6 address is shown as IPv4. */
export function peerName(address: string, port: number): string {
  const ip = address.startsWith("::ffff:") && isIPv4(address.slice(7)) ? address.slice(7) : address;
  return isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * Opens a TCP listener. Rejects with ResourceError (port in use, not permitted) or AbortError.
 * The signal only cancels the set-up: the listener outlives the call that opened it.
 */
export async function listenTcp(address: string, port: number, signal: AbortSignal): Promise<Server> {
  throwIfAborted(signal);
  const server = createServer({ pauseOnConnect: true, noDelay: true });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: address, port, ipv6Only: false }, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    server.close();
    throw await bindError(err, "TCP", address, port);
  }
  if (signal.aborted) server.close();
  throwIfAborted(signal);
  return server;
}

/** Binds a UDP socket. Rejects with ResourceError or AbortError; the socket outlives the call. */
export async function bindUdp(address: string, port: number, signal: AbortSignal): Promise<UdpSocket> {
  throwIfAborted(signal);
  const socket = createSocket({ type: isIPv4(address) ? "udp4" : "udp6", ipv6Only: false });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind({ address, port, exclusive: true }, () => {
        socket.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    socket.close();
    throw await bindError(err, "UDP", address, port);
  }
  if (signal.aborted) socket.close();
  throwIfAborted(signal);
  return socket;
}

/** Best-effort: who holds `port`, from `ss` (names appear only for our own user or as root). */
export function portHolder(proto: "TCP" | "UDP", port: number): Promise<string | undefined> {
  const args = ["-H", proto === "TCP" ? "-ltnp" : "-lunp", `sport = :${port}`];
  return new Promise((resolve) => {
    execFile("ss", args, { timeout: 1000 }, (err, stdout) => {
      if (err || stdout.trim() === "") return resolve(undefined);
      const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(stdout);
      resolve(m ? `${m[1]} (pid ${m[2]})` : "a program of another user");
    });
  });
}

async function bindError(err: unknown, proto: "TCP" | "UDP", address: string, port: number): Promise<Error> {
  const code = (err as { code?: string }).code;
  const where = `${proto} port ${port}`;
  const choose = "choose another `port` in the config and set the same port in the AndroidMic app";
  if (code === "EADDRINUSE") {
    const holder = await portHolder(proto, port);
    const by = holder ? ` by ${holder}` : "";
    return new PhonemicError(ErrorName.Resource, `${where} is already in use${by}`, { hint: `stop it, or ${choose}`, cause: err });
  }
  if (code === "EACCES") {
    return new PhonemicError(ErrorName.Resource, `not permitted to listen on ${where}`, { hint: `ports below 1024 need root: ${choose}`, cause: err });
  }
  if (code === "EADDRNOTAVAIL") {
    return new PhonemicError(ErrorName.Resource, `cannot listen on ${address}: no network interface has that address`, {
      hint: 'set `address` to one of this computer\'s addresses, or "::" for all',
      cause: err,
    });
  }
  const words = err instanceof Error ? err.message : String(err);
  return new PhonemicError(ErrorName.Resource, `cannot listen on ${where} at ${address}: ${words}`, { cause: err });
}
