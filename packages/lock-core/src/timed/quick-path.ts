import { LockClosedError } from '../errors/lock-closed-error.js';
import { LockTimeoutError } from '../errors/lock-timeout-error.js';
import type { ResolvedAcquire } from '../lease/acquire-options.js';
import type { Lease } from '../lease/lease.js';
import type { RedisConnection } from '../redis/connection.js';
import { quickAcquire } from '../scripts/calls.js';
import { randomToken } from '../util/token.js';
import type { KeyQueue } from './key-queue.js';

/** What the quick path needs from the client. */
export interface QuickPathHost {
  readonly redis: RedisConnection;
  closed(): boolean;
  /** When a win whose call was sent at `sentAt` starts (renewed first if it came back late); null: lost. */
  startOfWin(token: string, fence: number, sentAt: number): Promise<number | null>;
  newLease(token: string, fence: number, startedAt: number): Lease;
  /** Waits in `queue`, first in the local line, for at most `left` ms (undefined: no bound). */
  wait(queue: KeyQueue, left: number | undefined): Promise<Lease>;
}

/**
 * `acquire()` when nobody here waits for or holds the key: one plain attempt before any waiting machinery
 * runs (most acquisitions are uncontended). Callers arriving meanwhile queue behind it; if the key is held,
 * this caller goes first among them, already knowing it must subscribe and queue up in Redis.
 */
export async function acquireFirst(queue: KeyQueue, o: ResolvedAcquire, host: QuickPathHost): Promise<Lease> {
  const startedAt = performance.now();
  queue.beginTry();
  let lease: Lease | null = null;
  try {
    const token = randomToken();
    const sentAt = performance.now();
    const reply = await quickAcquire(host.redis, queue.keys, { token, ttl: o.ttl });
    if (reply.acquired) {
      const startedAt = await host.startOfWin(token, reply.fence, sentAt);
      if (startedAt !== null) lease = host.newLease(token, reply.fence, startedAt);
    }
  } catch {
    // Redis away or refusing: the queue's own loop retries with backoff, or fails every waiter.
  } finally {
    queue.endTry(lease);
  }
  if (host.closed()) {
    // close() ran while the attempt was out: it could not see this lease or this waiter.
    await lease?.release().catch(() => {});
    queue.kick();
    throw new LockClosedError();
  }
  if (lease) return lease;
  const left =
    o.waitTimeout === undefined ? undefined : Math.ceil(o.waitTimeout - (performance.now() - startedAt));
  if (left !== undefined && left <= 0) {
    queue.kick();
    throw new LockTimeoutError(queue.keys.name, o.waitTimeout as number);
  }
  return host.wait(queue, left);
}
