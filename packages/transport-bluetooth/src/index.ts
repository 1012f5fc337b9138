/**
 * @phonemic/transport-bluetooth — AndroidMic over Bluetooth RFCOMM (not available yet).
 *
 * The package reserves the built-in id "bluetooth" so that a config naming it gets a clear
 * answer instead of a failed import.
 */
import { defineTransport, ErrorName, PhonemicError } from "@phonemic/core";
import { z } from "zod";

export default defineTransport({
  id: "bluetooth",
  description: "AndroidMic over Bluetooth RFCOMM (not available yet)",
  options: z.object({}).passthrough(),
  create: () => {
    throw new PhonemicError(ErrorName.Plugin, "the bluetooth transport is not available in this version of phonemic", {
      hint: 'Use "wifi" (WO MIC or AndroidMic over Wi-Fi) or "usb" (AndroidMic over adb) instead.',
    });
  },
});
