const FIRST_MS = 50;
const MAX_MS = 2_000;

/**
 * The pause before retry number `failures` (0-based) while Redis is away: 50 ms doubling to 2 s, with
 * jitter (half to all of it) so reconnecting clients don't arrive together.
 */
export function backoff(failures: number): number {
  const base = Math.min(MAX_MS, FIRST_MS * 2 ** failures);
  return Math.floor(base / 2 + Math.random() * (base / 2));
}
