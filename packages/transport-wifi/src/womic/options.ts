/** The `protocol: "womic"` branch of the wifi plugin's options. */
import { z } from "zod";
import { WOMIC_DEFAULTS } from "./transport.js";

const port = z.number().int().min(1).max(65535);
const ms = z.number().int().positive();

/** Options for receiving from the WO MIC app (the PC dials the phone). */
export const womicOptions = z
  .object({
    protocol: z.literal("womic"),
    /** The phone's IP address as the app shows it, or a host name. */
    host: z.string().min(1),
    /** The app's TCP port. */
    port: port.default(WOMIC_DEFAULTS.port),
    /** Local UDP port for audio; 0 lets the system pick. */
    udpPort: z.number().int().min(0).max(65535).default(WOMIC_DEFAULTS.udpPort),
    /** Interval between pings to the phone. */
    pingIntervalMs: ms.default(WOMIC_DEFAULTS.pingIntervalMs),
    /** Audio silence after which the link counts as lost. */
    timeoutMs: ms.default(WOMIC_DEFAULTS.timeoutMs),
    /** Limit for the TCP connect and each handshake reply. */
    connectTimeoutMs: ms.default(WOMIC_DEFAULTS.connectTimeoutMs),
  })
  .strict();

/** Validated WO MIC options. */
export type WomicOptions = z.output<typeof womicOptions>;
