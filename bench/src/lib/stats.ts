/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function ascending(values: readonly number[]): number[] {
  // A typed array sorts numerically and fast, which matters for samples of ~10^5.
  return Array.from(Float64Array.from(values).sort());
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** p50/p99/max/mean of a sample (same unit in and out). */
export function summarize(values: readonly number[]): Summary {
  const sorted = ascending(values);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
  };
}

/** Jain's fairness index: 1 when every worker got the same share, 1/n when one got everything. */
export function jain(counts: readonly number[]): number {
  let sum = 0;
  let squares = 0;
  for (const c of counts) {
    sum += c;
    squares += c * c;
  }
  return squares === 0 ? Number.NaN : (sum * sum) / (counts.length * squares);
}

/** Smallest over largest share (0 when some worker never got the lock). */
export function minMaxRatio(counts: readonly number[]): number {
  if (counts.length === 0) return Number.NaN;
  const max = Math.max(...counts);
  return max === 0 ? Number.NaN : Math.min(...counts) / max;
}
