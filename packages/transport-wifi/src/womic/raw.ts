/**
 * Sends raw datagrams from a chosen local address: a way to stage foreign, truncated or
 * mislabelled input against a receiver in tests.
 */
import { createSocket } from "node:dgram";
import { isIPv6 } from "node:net";

/** Sends `datagrams` in order to `host:port` from `fromAddress` (default: the system's choice). */
export function sendDatagrams(host: string, port: number, datagrams: readonly Uint8Array[], fromAddress?: string): Promise<void> {
  const udp = createSocket(isIPv6(fromAddress ?? host) ? "udp6" : "udp4");
  return new Promise<void>((resolve, reject) => {
    udp.once("error", reject);
    udp.bind({ address: fromAddress, port: 0 }, async () => {
      try {
        for (const d of datagrams) {
          await new Promise<void>((sent, failed) => udp.send(d, port, host, (err) => (err ? failed(err) : sent())));
        }
        resolve();
      } catch (err) {
        reject(err);
      }
    });
  }).finally(() => udp.close());
}
