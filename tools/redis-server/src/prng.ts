/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the same sequence on every run and
 * machine, so a chaos run that failed can be replayed with its seed. Not for anything cryptographic.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A fresh 32-bit seed, for callers that did not pick one (and should print it if a run fails). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4_294_967_296) >>> 0;
}
