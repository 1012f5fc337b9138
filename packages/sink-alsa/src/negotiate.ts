/**
 * Picks the format to open a device with. The pipeline resamples and remixes, so any rate in
 * a sane range and 1 or 2 channels will do; S16_LE is the one thing we cannot do without.
 * A loopback whose other end is already open allows exactly one format: then we take it.
 */
import type { PcmFormat } from "@phonemic/core";
import type { PcmCaps } from "./native.js";

/** The pipeline converts to any rate in this range. */
const rateFloor = 8000;
const rateCeiling = 192000;

export type FormatChoice =
  | { readonly ok: true; readonly format: PcmFormat }
  | { readonly ok: false; readonly reason: string };

export function chooseFormat(wanted: PcmFormat, caps: PcmCaps): FormatChoice {
  if (!caps.s16le) return { ok: false, reason: "it does not take 16-bit samples (S16_LE)" };
  const fits = (n: number) => n >= caps.channelsMin && n <= caps.channelsMax;
  const channels = [wanted.channels, 2, 1].find(fits);
  if (channels === undefined) return { ok: false, reason: "phonemic plays 1 or 2 channels" };
  const sampleRate = Math.min(Math.max(wanted.sampleRate, caps.rateMin), caps.rateMax);
  if (sampleRate < rateFloor || sampleRate > rateCeiling) {
    return { ok: false, reason: `phonemic plays ${rateFloor}–${rateCeiling} Hz` };
  }
  return { ok: true, format: { sampleRate, channels } };
}
