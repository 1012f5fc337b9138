/**
 * @phonemic/transport-usb — audio from a phone over a USB cable.
 *
 * The default export is the "usb" transport plugin. `mode: "adb"` carries AndroidMic's TCP
 * stream through `adb reverse` (USB debugging on); the `Adb` class is usable on its own.
 *
 * @example
 * // config: { "transport": { "use": "usb", "mode": "adb", "port": 54345 } }
 * import { UsbAdbTransport, usbAdbOptions } from "@phonemic/transport-usb";
 * const usb = new UsbAdbTransport(usbAdbOptions.parse({ mode: "adb" }), { logger, clock });
 * const session = await usb.open(sink, signal); // the phone, set to USB (adb), dials in
 * await usb.dispose();                          // also removes the reverse tunnel
 */
import { defineTransport } from "@phonemic/core";
import { UsbAdbTransport } from "./adb/transport.js";
import { usbOptions } from "./options.js";

export { Adb, type TunnelKind } from "./adb/adb.js";
export { parseAdbDevices, type AdbDevice } from "./adb/devices.js";
export { UsbAdbTransport } from "./adb/transport.js";
export { usbOptions, usbAdbOptions, type UsbOptions, type UsbAdbOptions } from "./options.js";

export default defineTransport({
  id: "usb",
  description: "Audio from a phone over USB (AndroidMic through adb reverse)",
  options: usbOptions,
  create: (options, deps) => new UsbAdbTransport(options, deps),
});
