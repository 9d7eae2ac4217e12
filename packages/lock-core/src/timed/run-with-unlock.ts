import type { Lease } from '../lease/lease.js';

/**
 * The original `lock()` contract: call `callback(unlock)`; `unlock()` is idempotent; a throw or a
 * rejection from the callback releases the lock and is reported, never left as an unhandled rejection.
 */
export function runWithUnlock(
  lease: Lease,
  callback: (unlock: () => void) => unknown,
  report: (err: unknown, context: string) => void,
): void {
  const unlock = (): void => {
    lease.release().catch((err) => report(err, `unlocking "${lease.key}"`));
  };
  const failed = (err: unknown): void => {
    unlock();
    report(err, `the lock("${lease.key}") callback`);
  };
  try {
    const result = callback(unlock);
    if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
      Promise.resolve(result).catch(failed);
    }
  } catch (err) {
    failed(err);
  }
}
