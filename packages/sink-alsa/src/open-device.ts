/** Choosing and opening the PCM: a named one, or the first free loopback subdevice. */
import { constants } from "node:os";
import { allSubdevicesBusy, loopbackMissing, openFailed } from "./device-errors.js";
import { captureName, findLoopback, playbackName } from "./loopback.js";
import { isAlsaFailure, type AlsaBinding, type NativePcm } from "./native.js";

/** An open, not yet configured PCM. */
export interface Opened {
  readonly pcm: NativePcm;
  readonly name: string;
  /** The other end of a loopback device (what programs record from), when it is one. */
  readonly capture?: string;
}

/** Opens the device the config names; names its loopback counterpart if it is one. */
export function openNamed(binding: AlsaBinding, name: string): Opened {
  let pcm: NativePcm;
  try {
    pcm = binding.openPcm(name);
  } catch (err) {
    throw isAlsaFailure(err) ? openFailed(name, err) : err;
  }
  const { card, device, subdevice } = pcm.location();
  const loopback = card >= 0 && device <= 1 ? binding.listCards().find((c) => c.index === card && c.driver === "Loopback") : undefined;
  return { pcm, name, capture: loopback ? captureName(loopback, device, subdevice) : undefined };
}

/** Opens the first playback subdevice of the Loopback card that nobody else is using. */
export function openFreeLoopback(binding: AlsaBinding): Opened {
  const card = findLoopback(binding);
  if (!card) throw loopbackMissing();
  for (let n = 0; n < card.subdevices; n++) {
    const name = playbackName(card, n);
    try {
      return { pcm: binding.openPcm(name), name, capture: captureName(card, 0, n) };
    } catch (err) {
      if (isAlsaFailure(err) && err.errno === constants.errno.EBUSY) continue;
      throw isAlsaFailure(err) ? openFailed(name, err) : err;
    }
  }
  throw allSubdevicesBusy(playbackName(card, 0), playbackName(card, card.subdevices - 1), card.subdevices);
}
