import type { LockClient } from '@edirect/lock-core';
import { vi } from 'vitest';

/** Advances fake time 1 ms at a time until `p` settles (10 s of it at most), then returns `p`. */
export async function settle<T>(p: Promise<T>): Promise<T> {
  let done = false;
  const mark = (): void => {
    done = true;
  };
  p.then(mark, mark);
  for (let i = 0; !done && i < 10_000; i++) await vi.advanceTimersByTimeAsync(1);
  return p;
}

/**
 * Clients made by a test under fake timers, closed after it (`afterEach(closeAll)`) with fake time running
 * (5 s at most), then real timers back.
 */
export const clients: LockClient[] = [];

export async function closeAll(): Promise<void> {
  await Promise.all(
    clients.splice(0).map((c) => Promise.race([c.close(), vi.advanceTimersByTimeAsync(5_000)])),
  );
  vi.useRealTimers();
}
