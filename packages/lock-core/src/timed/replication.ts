import { LockReplicationError } from '../errors/lock-replication-error.js';
import { LockTimeoutError } from '../errors/lock-timeout-error.js';
import type { ResolvedAcquire } from '../lease/acquire-options.js';
import type { Lease } from '../lease/lease.js';
import type { LockKeys } from '../protocol/keys.js';
import type { RedisConnection } from '../redis/connection.js';
import { extend } from '../scripts/calls.js';
import { SENDS_ON } from '../scripts/runner.js';
import { randomToken } from '../util/token.js';
import type { LeaseSettings } from './waiter.js';

/** What the `waitReplicas` paths need from the client. */
export interface ReplicationHost {
  readonly redis: RedisConnection;
  /** This client already waits for or holds `keys` (so a pipelined try would jump its own queue). */
  hasQueue(keys: LockKeys): boolean;
  tryOnce(
    keys: LockKeys,
    token: string,
    ttl: number,
    s: LeaseSettings,
    redis: RedisConnection,
  ): Promise<Lease | null>;
  waitQueued(keys: LockKeys, o: ResolvedAcquire): Promise<Lease>;
  backgroundError(err: unknown, context: string): void;
}

/** tryAcquire with `waitReplicas`: the script and WAIT leave together, one round trip. */
export async function tryReplicated(
  host: ReplicationHost,
  keys: LockKeys,
  o: ResolvedAcquire,
  wait: Waiting,
): Promise<Lease | null> {
  const lease = await host.tryOnce(
    keys,
    randomToken(),
    o.ttl,
    { autoExtend: o.autoExtend, maxHold: o.maxHold },
    wait.redis,
  );
  if (lease) await checkReplicated(host, lease, wait, o);
  return lease;
}

/**
 * acquire with `waitReplicas`. With no local holder or waiter of the key, a pipelined try first (most
 * acquisitions are uncontended: one round trip). Otherwise, or if it is held, wait in the queue like any
 * acquire, then renew the granted lease with WAIT behind it: WAIT covers the writes made before this
 * connection's last command, and the handoff was written by another client's release.
 */
export async function acquireReplicated(
  host: ReplicationHost,
  keys: LockKeys,
  o: ResolvedAcquire,
): Promise<Lease> {
  const wait = withWait(host.redis, o);
  const startedAt = performance.now();
  if (!host.hasQueue(keys) && !o.signal?.aborted) {
    const lease = await tryReplicated(host, keys, o, wait);
    if (lease) return lease;
    if (o.waitTimeout === 0) throw new LockTimeoutError(keys.name, 0);
  }
  const left =
    o.waitTimeout === undefined
      ? undefined
      : Math.max(1, o.waitTimeout - Math.round(performance.now() - startedAt));
  const lease = await host.waitQueued(keys, { ...o, waitTimeout: left });
  let renewed: Awaited<ReturnType<typeof extend>>;
  try {
    renewed = await extend(wait.redis, keys, { token: lease.token, ttl: lease.ttl });
  } catch (err) {
    await lease.release().catch(() => {});
    throw new LockReplicationError(lease.key, o.waitReplicas ?? 0, undefined, { cause: err });
  }
  if (renewed !== 'extended') {
    lease.forfeit(renewed === 'gone' ? 'deleted' : 'taken');
    throw lease.signal.reason;
  }
  await checkReplicated(host, lease, wait, o);
  return lease;
}

/** Too few replicas acknowledged: give the lock back (to the next waiter, if any) and say so. */
async function checkReplicated(
  host: ReplicationHost,
  lease: Lease,
  wait: Waiting,
  o: ResolvedAcquire,
): Promise<void> {
  const wanted = o.waitReplicas ?? 0;
  const { acked, error } = wait.outcome;
  if (acked !== undefined && acked >= wanted) return;
  await lease.release().catch((err) => host.backgroundError(err, `releasing "${lease.key}"`));
  throw new LockReplicationError(lease.key, wanted, acked, { cause: error });
}

/** ioredis's pipeline: commands queued, then written together on one connection by exec(). */
interface Pipeline {
  evalsha(...args: Array<string | number>): Pipeline;
  eval(...args: Array<string | number>): Pipeline;
  call(command: string, ...args: Array<string | number>): Pipeline;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

/** A view of the connection whose every script is followed by WAIT in the same pipeline. */
export interface Waiting {
  readonly redis: RedisConnection;
  /** WAIT's reply to the last script sent (a NOSCRIPT retry sends the script and WAIT again). */
  readonly outcome: { acked?: number | undefined; error?: unknown };
}

/**
 * Sends each script through `redis.pipeline()` with `WAIT replicas timeout` behind it. In a Cluster
 * pipeline the keyless WAIT goes to the node of the script's keys, which is the node that must replicate.
 */
export function withWait(redis: RedisConnection, o: ResolvedAcquire): Waiting {
  const pipelining = redis as unknown as { pipeline?: () => Pipeline };
  if (typeof pipelining.pipeline !== 'function') {
    throw new TypeError('options.waitReplicas needs an ioredis connection: WAIT is sent in a pipeline');
  }
  const replicas = o.waitReplicas ?? 0;
  const timeout = o.replicationTimeout ?? 1_000;
  let outcome: Waiting['outcome'] = { error: new Error('no script was sent') };
  const send = async (command: 'evalsha' | 'eval', args: Array<string | number>): Promise<unknown> => {
    const replies = await (pipelining.pipeline as () => Pipeline)
      .call(redis)
      [command](...args)
      .call('WAIT', replicas, timeout)
      .exec();
    const [script, wait] = replies ?? [];
    if (wait) outcome = wait[0] ? { error: wait[0] } : { acked: Number(wait[1]) };
    if (!script) throw new Error('the pipeline returned no reply');
    if (script[0]) throw script[0];
    return script[1];
  };
  const view: RedisConnection & { [SENDS_ON]: RedisConnection } = {
    [SENDS_ON]: redis,
    evalsha: (sha, numKeys, ...args) => send('evalsha', [sha, numKeys, ...args]),
    eval: (source, numKeys, ...args) => send('eval', [source, numKeys, ...args]),
    get: (key) => redis.get(key),
    set: redis.set.bind(redis),
    duplicate: () => redis.duplicate(),
  };
  return {
    redis: view,
    get outcome() {
      return outcome;
    },
  };
}
