/**
 * The DeviceErrors this sink throws. Each cause gets its own wording, so a user can tell
 * "module missing", "device busy", "no such device" and "format locked" apart at a glance.
 */
import { constants } from "node:os";
import { ErrorName, PhonemicError, type PcmFormat } from "@phonemic/core";
import type { AlsaFailure, PcmCaps } from "./native.js";

const { errno } = constants;

function deviceError(message: string, hint: string, cause?: unknown): PhonemicError {
  return new PhonemicError(ErrorName.Device, message, { hint, cause });
}

/** No Loopback card and no device named in the config. */
export function loopbackMissing(cause?: unknown): PhonemicError {
  return deviceError(
    "no ALSA loopback card found: the kernel module snd-aloop is not loaded, so there is no virtual microphone to play the phone into",
    "load it now with:\n  sudo modprobe snd-aloop\n" +
      "and at every boot with:\n  echo snd-aloop | sudo tee /etc/modules-load.d/snd-aloop.conf\n" +
      "or name another output with the sink's `device` option (see `aplay -L`)",
    cause,
  );
}

/** Every playback subdevice of the Loopback card is taken. */
export function allSubdevicesBusy(first: string, last: string, count: number): PhonemicError {
  return deviceError(
    `all ${count} playback subdevices of the loopback card (${first} … ${last}) are busy`,
    "another program is playing into each of them: close one (`fuser -v /dev/snd/*` shows who), " +
      "or name a free device with the sink's `device` option",
  );
}

/** Maps an addon failure while opening `device` to a DeviceError that says what to do. */
export function openFailed(device: string, err: AlsaFailure): PhonemicError {
  const detail = err.alsa ? ` (ALSA: ${err.alsa})` : "";
  switch (err.errno) {
    case errno.EBUSY:
      return deviceError(
        `${device} is busy: another program is already playing into it`,
        "close that program (`fuser -v /dev/snd/*` shows who), or choose another device",
        err,
      );
    case errno.ENOENT:
    case errno.ENODEV:
    case errno.ENXIO:
      if (/loopback/i.test(device) && err.errno === errno.ENODEV) return loopbackMissing(err);
      return deviceError(
        `ALSA has no device "${device}"${detail}`,
        "list the names ALSA knows with `aplay -L` (and cards with `aplay -l`), then fix the sink's `device` option",
        err,
      );
    case errno.EACCES:
    case errno.EPERM:
      return deviceError(
        `no permission to open ${device}${detail}`,
        "add yourself to the audio group (`sudo usermod -aG audio $USER`) and log in again",
        err,
      );
    default:
      return deviceError(`cannot open ${device}: ${err.message}${detail}`, "check the device with `aplay -D <device> -l`", err);
  }
}

/** One line for what a device allows, e.g. "S16_LE at 44100 Hz, 2 channels". */
export function describeCaps(caps: PcmCaps): string {
  const range = (lo: number, hi: number) => (lo === hi ? `${lo}` : `${lo}–${hi}`);
  const formats = caps.formats.length > 6 ? `${caps.formats.length} sample formats` : caps.formats.join("/");
  return `${formats || "no sample format"} at ${range(caps.rateMin, caps.rateMax)} Hz, ${range(caps.channelsMin, caps.channelsMax)} channels`;
}

/**
 * The device cannot play anything phonemic can produce. `capture` is the other end of a
 * loopback device: when the device allows a single format, that end has locked it.
 */
export function formatRefused(
  device: string,
  wanted: PcmFormat,
  caps: PcmCaps,
  reason: string,
  capture?: string,
): PhonemicError {
  const locked = caps.rateMin === caps.rateMax && caps.channelsMin === caps.channelsMax && caps.formats.length === 1;
  const why =
    capture && locked
      ? `; the capture side ${capture} is already open at ${caps.rateMin} Hz, ${caps.channelsMin} channels, ${caps.formats[0]}, which locks the loopback to that format`
      : "";
  return deviceError(
    `${device} refused ${wanted.sampleRate} Hz, ${wanted.channels} channels, S16_LE: ${reason}; it allows only ${describeCaps(caps)}${why}`,
    capture && locked
      ? `close the program recording from ${capture}, or have it record S16_LE with 1 or 2 channels, then start again`
      : "choose another device with the sink's `device` option (a `plughw:` name converts formats)",
  );
}

/** hw/sw params failed after the format was agreed (period or buffer size, usually). */
export function setupFailed(device: string, err: AlsaFailure): PhonemicError {
  const detail = err.alsa ? ` (ALSA: ${err.alsa})` : "";
  return deviceError(
    `${device}: ${err.message}${detail}`,
    "try other `periodMs`/`bufferMs` values for the sink, or another device",
    err,
  );
}

/** The writer thread stopped on an error it cannot recover from. */
export function writeFailed(device: string, failure: string): PhonemicError {
  return deviceError(`${device}: ${failure}`, "the device went away or broke; restart phonemic once it is back");
}
