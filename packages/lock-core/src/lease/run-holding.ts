import type { Lease } from './lease.js';

/**
 * `withLock`'s body: run `fn(lease)`, release in `finally`, return `fn`'s result. A failed release is
 * reported, never thrown: it must not hide `fn`'s result or error (the lease then runs out by its ttl).
 */
export async function runHolding<T>(
  lease: Lease,
  fn: (lease: Lease) => T | Promise<T>,
  report: (err: unknown, context: string) => void,
): Promise<T> {
  try {
    return await fn(lease);
  } finally {
    await lease.release().catch((err) => report(err, `releasing "${lease.key}"`));
  }
}
