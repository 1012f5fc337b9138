/**
 * The native addon (native/*.cc), typed. Loaded lazily, so that importing the package works
 * even where the addon is not built; only opening a device needs it.
 */
import { createRequire } from "node:module";
import { ErrorName, PhonemicError } from "@phonemic/core";

/** What a PCM allows with interleaved access. Ranges are for S16_LE when it is allowed. */
export interface PcmCaps {
  readonly s16le: boolean;
  /** ALSA names of every sample format allowed, e.g. ["S16_LE", "S32_LE"]. */
  readonly formats: readonly string[];
  readonly rateMin: number;
  readonly rateMax: number;
  readonly channelsMin: number;
  readonly channelsMax: number;
}

/** What `configure` really set. */
export interface PcmApplied {
  readonly rate: number;
  readonly channels: number;
  readonly periodFrames: number;
  readonly bufferFrames: number;
}

/** Card, device and subdevice behind a PCM; card is -1 for a pure plugin (file, null). */
export interface PcmLocation {
  readonly card: number;
  readonly device: number;
  readonly subdevice: number;
}

/** An open playback PCM with its writer thread (see native/pcm.h). */
export interface NativePcm {
  caps(): PcmCaps;
  /** Sets S16_LE, rate (near), channels, period and buffer (near); starts the writer thread. */
  configure(rate: number, channels: number, periodUs: number, bufferUs: number, ringFrames: number): PcmApplied;
  location(): PcmLocation;
  /** Copies into the ring; returns frames accepted. Never blocks. */
  write(samples: Int16Array): number;
  delayFrames(): number;
  xruns(): number;
  /** Why the writer thread stopped, if it did. */
  failure(): string | undefined;
  /** Writes snd-aloop's "PCM Rate Shift 100000" control; false where there is none. */
  setRateShift(value: number): boolean;
  /** Plays out the ring, drains and closes; resolves at once when already closed. */
  close(): Promise<void>;
}

/** A sound card as alsa-lib lists it. */
export interface CardInfo {
  readonly index: number;
  readonly id: string;
  readonly driver: string;
  readonly name: string;
}

/** The addon's surface; tests pass a stub of it to AlsaSink. */
export interface AlsaBinding {
  /** Opens a playback PCM by name; throws an error with `errno` and `alsa` on failure. */
  openPcm(name: string): NativePcm;
  listCards(): CardInfo[];
  /** Playback subdevices of PCM `device` on `card`; 0 when unknown. */
  playbackSubdevices(card: number, device: number): number;
}

/** An error thrown by the addon: `errno` is positive, `alsa` is alsa-lib's own last message. */
export interface AlsaFailure extends Error {
  readonly errno: number;
  readonly alsa: string;
}

export function isAlsaFailure(err: unknown): err is AlsaFailure {
  return err instanceof Error && typeof (err as Partial<AlsaFailure>).errno === "number";
}

interface Addon {
  Pcm: new (name: string) => NativePcm;
  listCards(): CardInfo[];
  playbackSubdevices(card: number, device: number): number;
}

let loaded: AlsaBinding | undefined;

/** The real addon, loaded on first use from build/Release under the package root. */
export function loadBinding(): AlsaBinding {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  let addon: Addon;
  try {
    // This file runs from dist/src/, two levels below the package root.
    addon = require("../../build/Release/phonemic_alsa.node") as Addon;
  } catch (cause) {
    throw new PhonemicError(ErrorName.Device, "the ALSA addon of @phonemic/sink-alsa is not built", {
      hint: "build it with `pnpm run build` at the repository root (needs libasound2-dev and a C++ compiler)",
      cause,
    });
  }
  loaded = {
    openPcm: (name) => new addon.Pcm(name),
    listCards: () => addon.listCards(),
    playbackSubdevices: (card, device) => addon.playbackSubdevices(card, device),
  };
  return loaded;
}
