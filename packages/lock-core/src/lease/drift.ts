/** Margin kept off every lease so the local deadline falls before Redis's expiry (as redlock: 1% + 2 ms). */
export function drift(ttl: number): number {
  return Math.floor(ttl * 0.01) + 2;
}
