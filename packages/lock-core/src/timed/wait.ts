import { LockTimeoutError } from '../errors/lock-timeout-error.js';
import type { ResolvedAcquire } from '../lease/acquire-options.js';
import type { Lease } from '../lease/lease.js';
import type { KeyQueue } from './key-queue.js';
import type { LeaseSettings, Waiter } from './waiter.js';

/** A waiter the client can reach at close(). */
export interface PendingWaiter {
  queue: KeyQueue;
  waiter: Waiter;
}

/**
 * Joins `queue` and resolves with the lease it hands out; gives up on `waitTimeout` (LockTimeoutError) or
 * when `signal` aborts (its reason), leaving the queue. `pending` holds the waiter while it waits.
 */
export function waitInQueue(
  queue: KeyQueue,
  o: ResolvedAcquire,
  settings: LeaseSettings,
  pending: Set<PendingWaiter>,
  /** Join at the head of the local line (the caller was here first and has just tried). */
  first = false,
): Promise<Lease> {
  const { signal, waitTimeout } = o;
  if (signal?.aborted) {
    // Aborted while the caller's quick try was out: never join (the queue settles if nobody else waits).
    queue.kick();
    return Promise.reject(signal.reason);
  }
  return new Promise<Lease>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const entry = { queue, waiter: undefined as unknown as Waiter };
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      pending.delete(entry);
    };
    const waiter: Waiter = {
      ttl: o.ttl,
      settings,
      resolve: (lease) => {
        cleanup();
        resolve(lease);
      },
      reject: (err) => {
        cleanup();
        reject(err);
      },
    };
    entry.waiter = waiter;
    const giveUp = (err: unknown): void => {
      queue.leave(waiter);
      waiter.reject(err);
    };
    const onAbort = (): void => giveUp(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (waitTimeout !== undefined) {
      timer = setTimeout(() => giveUp(new LockTimeoutError(queue.keys.name, waitTimeout)), waitTimeout);
    }
    pending.add(entry);
    queue.join(waiter, first);
  });
}
