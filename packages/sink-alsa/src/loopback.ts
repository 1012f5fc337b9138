/**
 * The snd-aloop card. Its PCM device 0 and device 1 are wired back to back: what is played
 * into hw:Loopback,0,N can be recorded from hw:Loopback,1,N (and the other way round).
 * phonemic plays into device 0, so programs record "the phone" from device 1.
 */
import { loadBinding, type AlsaBinding } from "./native.js";

/** The loopback card, as found. */
export interface LoopbackCard {
  /** Card number, e.g. 2. */
  readonly index: number;
  /** Card id used in device names: "Loopback" unless snd-aloop was loaded with `id=`. */
  readonly id: string;
  /** Playback subdevices on device 0 (snd-aloop's `pcm_substreams`, 8 by default). */
  readonly subdevices: number;
}

/** snd-aloop allows at most this many substreams; used when the card does not say. */
const maxSubdevices = 8;

/**
 * Finds the snd-aloop card: the card whose id or driver is "Loopback".
 * Returns undefined when there is none (the module is not loaded).
 */
export function findLoopback(binding: AlsaBinding = loadBinding()): LoopbackCard | undefined {
  const cards = binding.listCards();
  const card = cards.find((c) => c.id === "Loopback") ?? cards.find((c) => c.driver === "Loopback");
  if (!card) return undefined;
  const subdevices = binding.playbackSubdevices(card.index, 0) || maxSubdevices;
  return { index: card.index, id: card.id, subdevices };
}

/** Where phonemic plays: device 0, subdevice `n`. */
export function playbackName(card: LoopbackCard, n: number): string {
  return `hw:${card.id},0,${n}`;
}

/** The other end of a loopback PCM: the one to record from. */
export function captureName(card: Pick<LoopbackCard, "id">, device: number, subdevice: number): string {
  return `hw:${card.id},${device ^ 1},${subdevice}`;
}
