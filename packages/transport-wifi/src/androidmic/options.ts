/** Options of the AndroidMic server role (`protocol: "androidmic"`): the phone dials the PC. */
import { z } from "zod";

export const androidmicOptions = z
  .object({
    protocol: z.literal("androidmic"),
    /** Address to listen on; "::" is dual-stack (IPv4 and IPv6). */
    address: z.string().min(1).default("::"),
    /** TCP and UDP port the phone dials (the app's default); 0 picks a free one. */
    port: z.number().int().min(0).max(65535).default(54345),
    /** Which links to accept: the app's TCP mode, its UDP mode, or both on the same port. */
    via: z.enum(["both", "tcp", "udp"]).default("both"),
    /** Largest frame accepted; a longer declared length drops the connection. */
    maxFrameBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(1024 * 1024),
    /** Without data for this long the phone counts as gone (session ends, another may connect). */
    silenceTimeoutMs: z.number().int().min(100).max(600_000).default(3000),
    /** A second phone while one streams: refuse it, or let it take over. */
    multiple: z.enum(["refuse", "replace"]).default("refuse"),
  })
  .strict();

/** Validated options, defaults filled in. */
export type AndroidMicOptions = z.output<typeof androidmicOptions>;
/** Options as written in a config. */
export type AndroidMicOptionsInput = z.input<typeof androidmicOptions>;
