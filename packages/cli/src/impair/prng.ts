/**
 * Seeded pseudo-random numbers for the impairment proxy. Math.random cannot be seeded, and a
 * test must be able to say "with seed 42 packets 7, 8 and 9 are lost" and get the same answer
 * every run. mulberry32: 32 bits of state, fast, and good enough for coin flips.
 */

/** Returns a generator of uniform numbers in [0, 1), fully determined by `seed` (uint32). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
