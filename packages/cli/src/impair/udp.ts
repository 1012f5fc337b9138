/** Small promise wrappers around node:dgram and name lookup, with errors that say what to do. */
import { createSocket, type Socket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { ErrorName, PhonemicError } from "@phonemic/core";

/** A resolved IP address. */
export interface Resolved {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name or IP literal; `what` names it in the error ("listen", "target"). */
export async function resolveHost(host: string, what: string): Promise<Resolved> {
  const literal = isIP(host);
  if (literal === 4 || literal === 6) return { address: host, family: literal };
  try {
    const { address, family } = await lookup(host);
    return { address, family: family === 6 ? 6 : 4 };
  } catch (cause) {
    throw new PhonemicError(ErrorName.Config, `can't resolve the ${what} host "${host}"`, {
      hint: "check the spelling, or give an IP address such as 127.0.0.1",
      cause,
    });
  }
}

/** True for 127.0.0.0/8 and ::1, where a socket can bind to the same loopback address. */
export function isLoopback(ip: Resolved): boolean {
  return ip.family === 4 ? ip.address.startsWith("127.") : ip.address === "::1";
}

/** A UDP socket bound to `address`:`port` (0 = any free port). */
export function bindUdp(ip: Resolved, port: number): Promise<Socket> {
  const socket = createSocket(ip.family === 6 ? "udp6" : "udp4");
  return new Promise((resolve, reject) => {
    socket.once("error", (err: NodeJS.ErrnoException) => {
      socket.close();
      const where = `${ip.family === 6 ? `[${ip.address}]` : ip.address}:${port}`;
      const hint =
        err.code === "EADDRINUSE"
          ? "another program uses this port: pick another, or port 0 for any free one"
          : err.code === "EADDRNOTAVAIL"
            ? "no network interface has this address: use 127.0.0.1, 0.0.0.0 or one of this machine's addresses"
            : undefined;
      reject(new PhonemicError(ErrorName.Resource, `can't listen on UDP ${where}: ${err.message}`, { hint, cause: err }));
    });
    socket.bind({ port, address: ip.address }, () => {
      socket.removeAllListeners("error");
      resolve(socket);
    });
  });
}

/** Closes a socket, resolving once it is closed (at once if it already was). */
export function closeUdp(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // ERR_SOCKET_DGRAM_NOT_RUNNING: closed already
    }
  });
}
