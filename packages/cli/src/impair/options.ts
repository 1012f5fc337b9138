/**
 * Options of the impairment proxy, as a zod schema the CLI and config files validate against.
 * Every impairment defaults to 0 (off), so `{ target }` alone is a transparent proxy.
 */
import { z } from "zod";

/** A UDP endpoint. */
export interface Endpoint {
  /** Host name or IP literal (IPv6 without brackets). */
  host: string;
  /** UDP port; 0 on `listen` means any free port. */
  port: number;
}

/** Parses `host:port` or `[v6]:port`; undefined when it is neither. */
export function parseEndpoint(text: string): Endpoint | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:\s]+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  return m && port <= 65535 ? { host: m[1]!, port } : undefined;
}

/** `host:port`, with brackets around IPv6 literals. */
export function formatEndpoint(e: Endpoint): string {
  return e.host.includes(":") ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

const endpoint = z.union([
  z
    .string()
    .refine((s) => parseEndpoint(s) !== undefined, {
      message: "expected host:port, e.g. 127.0.0.1:50000 or [::1]:50000",
    })
    .transform((s) => parseEndpoint(s)!),
  z.strictObject({ host: z.string().min(1), port: z.number().int().min(0).max(65535) }),
]);
const percent = z.number().min(0).max(100).default(0);
const millis = z.number().min(0).max(60_000).default(0);
const count = z.number().int().min(0).max(1000).default(0);

export const impairOptionsSchema = z.strictObject({
  /** Where the proxy listens ("host:port" or { host, port }); port 0 picks a free one. */
  listen: endpoint.default({ host: "127.0.0.1", port: 0 }),
  /** Where datagrams are forwarded to. */
  target: endpoint,
  /** Long-run share of client→target packets lost, in percent (bursts included). */
  lossPercent: percent,
  /** Losses come in runs of exactly this many packets; 0 and 1 mean single losses. */
  burstLength: count,
  /** Share of forwarded packets sent twice, in percent. */
  duplicatePercent: percent,
  /** Share of forwarded packets held back until later ones have overtaken them, in percent. */
  reorderPercent: percent,
  /** How many later packets overtake a held one; 0 and 1 mean one. */
  reorderGap: count,
  /** Fixed delay added to every packet. */
  delayMs: millis,
  /** Extra delay per packet, uniform in [0, jitterMs]; reorders packets unless keepOrder. */
  jitterMs: millis,
  /** Never let jitter put a packet before an earlier one. */
  keepOrder: z.boolean().default(false),
  /** Hold packets and release all of them together every this many ms (Wi-Fi power save). */
  burstDeliveryMs: millis,
  /** Seed of the pseudo-random decisions (uint32); same seed, same packets ⇒ same fates. */
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  /** Impair target→client replies too (with their own decisions, derived from the seed). */
  bothDirections: z.boolean().default(false),
});

/** Validated options, defaults filled in. */
export type ImpairOptions = z.output<typeof impairOptionsSchema>;
/** Options as a caller or config file writes them. */
export type ImpairOptionsInput = z.input<typeof impairOptionsSchema>;
/** The part of the options that decides each packet's fate. */
export type ImpairSettings = Omit<ImpairOptions, "listen" | "target" | "bothDirections">;

/** Settings that leave every packet alone (the replies, unless bothDirections). */
export const NO_IMPAIRMENT: ImpairSettings = {
  lossPercent: 0, burstLength: 0, duplicatePercent: 0, reorderPercent: 0, reorderGap: 0,
  delayMs: 0, jitterMs: 0, keepOrder: false, burstDeliveryMs: 0, seed: 0,
};

/** One-line summary, e.g. "127.0.0.1:0 -> 127.0.0.1:50000 (client->target): loss 10% in bursts of 3; seed 42". */
export function describeImpairment(input: ImpairOptionsInput): string {
  const o = impairOptionsSchema.parse(input);
  const parts: string[] = [];
  if (o.lossPercent > 0) {
    parts.push(`loss ${o.lossPercent}%` + (o.burstLength > 1 ? ` in bursts of ${o.burstLength}` : ""));
  }
  if (o.duplicatePercent > 0) parts.push(`duplicate ${o.duplicatePercent}%`);
  if (o.reorderPercent > 0) {
    parts.push(`reorder ${o.reorderPercent}% by ${Math.max(1, o.reorderGap)}`);
  }
  if (o.delayMs > 0 || o.jitterMs > 0) {
    const jitter = o.jitterMs > 0 ? ` + 0-${o.jitterMs} ms jitter${o.keepOrder ? " (order kept)" : ""}` : "";
    parts.push(`delay ${o.delayMs} ms${jitter}`);
  }
  if (o.burstDeliveryMs > 0) parts.push(`delivered in bursts every ${o.burstDeliveryMs} ms`);
  const scope = o.bothDirections ? "both directions" : "client->target";
  const what = parts.length > 0 ? `${parts.join(", ")}; seed ${o.seed}` : "no impairment";
  return `${formatEndpoint(o.listen)} -> ${formatEndpoint(o.target)} (${scope}): ${what}`;
}
