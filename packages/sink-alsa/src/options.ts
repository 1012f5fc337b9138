import { z } from "zod";

/** Options of the `alsa` sink, as written in the config. */
export const alsaOptions = z
  .object({
    /** An ALSA PCM name (`aplay -L`); default: the first free playback subdevice of Loopback. */
    device: z.string().min(1).optional(),
    /** Period: how much the device takes per wake-up. Below 10 ms costs CPU and risks underruns. */
    periodMs: z.number().min(5).max(500).default(10),
    /** Device buffer; at least two periods. Default: 40 ms, or four periods if that is more. */
    bufferMs: z.number().max(5000).optional(),
  })
  .strict()
  .refine((o) => o.bufferMs === undefined || o.bufferMs >= 2 * o.periodMs, {
    message: "bufferMs must hold at least two periods (2 × periodMs)",
    path: ["bufferMs"],
  });

/** Validated options. */
export type AlsaOptions = z.output<typeof alsaOptions>;

/** Device buffer to ask for when the config names none. */
export function defaultBufferMs(periodMs: number): number {
  return Math.max(40, 4 * periodMs);
}
