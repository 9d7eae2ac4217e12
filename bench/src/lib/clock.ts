/**
 * Microseconds on CLOCK_MONOTONIC (`process.hrtime.bigint()`). On Linux that clock is system-wide, so
 * stamps taken in different worker processes compare directly (handoff = next acquire - last release).
 */
export function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1_000;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sleeps until the monotonic clock reaches `us`. */
export async function sleepUntil(us: number): Promise<void> {
  const ms = (us - nowUs()) / 1_000;
  if (ms > 0) await sleep(ms);
}
