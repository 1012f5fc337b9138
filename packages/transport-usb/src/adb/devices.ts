/**
 * `adb devices` output, and what each device state means for the user.
 *
 *   * daemon not running; starting now at tcp:5037      ← skipped (no tab)
 *   List of devices attached                            ← skipped (no tab)
 *   R58M12ABCDE<TAB>device                              ← usable
 *   0123456789AB<TAB>unauthorized
 *   emulator-5554<TAB>offline
 *   ZY22ABCDEF<TAB>no permissions (user in plugdev group; are your udev rules wrong?); see [...]
 */
import { ErrorName, PhonemicError } from "@phonemic/core";

/** One line of `adb devices`. */
export interface AdbDevice {
  readonly serial: string;
  /** "device" when usable; otherwise "unauthorized", "offline", "no permissions (…)", … */
  readonly state: string;
}

/** The devices listed in `adb devices` output. */
export function parseAdbDevices(stdout: string): AdbDevice[] {
  const devices: AdbDevice[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const tab = line.indexOf("\t");
    if (tab <= 0) continue;
    devices.push({ serial: line.slice(0, tab).trim(), state: line.slice(tab + 1).trim() });
  }
  return devices;
}

/** "R58M12ABCDE (device), emulator-5554 (offline)" */
export function listDevices(devices: readonly AdbDevice[]): string {
  return devices.map((d) => `${d.serial} (${d.state.startsWith("no permissions") ? "no permissions" : d.state})`).join(", ");
}

/** The error for a device adb lists but cannot use. */
export function unusableDevice(device: AdbDevice): PhonemicError {
  const { serial, state } = device;
  if (state === "unauthorized") {
    return new PhonemicError(ErrorName.Unreachable, `phone ${serial} has not authorised this computer for USB debugging`, {
      hint: 'unlock the phone and accept the "Allow USB debugging?" prompt (tick "Always allow from this computer")',
    });
  }
  if (state === "offline") {
    return new PhonemicError(ErrorName.Unreachable, `phone ${serial} is offline to adb`, {
      hint: "unplug and replug the cable (or run `adb kill-server`), and check that USB debugging is still on",
    });
  }
  if (state.startsWith("no permissions")) {
    return new PhonemicError(ErrorName.Unreachable, `no permission to open phone ${serial} over USB`, {
      hint:
        "install udev rules for Android phones (Debian/Ubuntu: `sudo apt install android-sdk-platform-tools-common`),\n" +
        "add yourself to the plugdev group (`sudo usermod -aG plugdev $USER`, then log in again), and replug the phone",
    });
  }
  return new PhonemicError(ErrorName.Unreachable, `phone ${serial} is not ready for adb (state "${state}")`, {
    hint: "wait for it to finish booting into Android, or replug it",
  });
}
