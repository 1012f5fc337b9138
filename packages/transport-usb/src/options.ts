/** Options of the usb transport plugin. */
import { z } from "zod";

/** `mode: "adb"`: AndroidMic's TCP stream through `adb reverse`. */
export const usbAdbOptions = z
  .object({
    mode: z.literal("adb").default("adb"),
    /** The phone app; AndroidMic dials the PC, so the tunnel is a reverse one. */
    protocol: z.literal("androidmic").default("androidmic"),
    /** The phone's serial as `adb devices` lists it; needed when several are connected. */
    serial: z.string().min(1).optional(),
    /** The adb program; default: `adb` in PATH. */
    adbPath: z.string().min(1).optional(),
    /** Port on both ends of the tunnel (the app's default). */
    port: z.number().int().min(1).max(65535).default(54345),
  })
  .strict();

/** Validated options, defaults filled in. */
export type UsbAdbOptions = z.output<typeof usbAdbOptions>;

/** Options of the usb plugin: one branch per `mode` (only adb for now). */
export const usbOptions = z.discriminatedUnion("mode", [usbAdbOptions]);
export type UsbOptions = z.output<typeof usbOptions>;
