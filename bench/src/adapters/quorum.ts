import { RedlockClient } from '@edirect/lock-core';
import { ResourceLockedError as SesameLocked, Redlock as SesameRedlock } from '@sesamecare-oss/redlock';
import Redlock, { ResourceLockedError } from 'redlock';
import { type Family, redlockAdapter, TUNED_REDLOCK } from './redlock-family.js';
import type { QuorumAdapterSpec, Variant } from './types.js';
import { errorSink } from './types.js';

/**
 * Scenario (e): each library over the same N ioredis connections, one per independent Redis master.
 * lock-core's quorum client polls like the redlocks do (no queue, no notifications across nodes).
 */
function lockCoreQuorum(variant: Variant): QuorumAdapterSpec {
  const tuned = variant === 'tuned';
  return {
    id: `quorum:lock-core/${variant}`,
    lib: 'lock-core',
    variant,
    settings: tuned
      ? 'RedlockClient retryDelay 3 (3–6 ms: its jitter adds up to as much again), autoExtend: false'
      : 'RedlockClient defaults (retryDelay 100 + up to 100 jitter, nodeTimeout 500, autoExtend on)',
    create(redis) {
      const sink = errorSink();
      const client = new RedlockClient({
        redis,
        ...(tuned ? { retryDelay: 3 } : {}),
        logger: { error: (_m, err) => sink.push(err) },
      });
      client.on('error', (err) => sink.push(err));
      return {
        errors: sink.errors,
        async acquire(key, ttl) {
          const lease = await client.acquire(key, tuned ? { ttl, autoExtend: false } : { ttl });
          return { release: () => lease.release() };
        },
        close: () => client.close(),
      };
    },
  };
}

/**
 * redlock 5 retries an acquisition inside `acquire()` WITHOUT releasing what the failed attempt got: its
 * script refuses any existing key, its own included, so a contender that won one node of three keeps it
 * for as long as it retries. Three contenders on three different nodes then block everyone until the ttl
 * runs out. (b)'s tuning (retryCount -1) livelocks here: measured 0-8 CS/s, workers stuck in acquire() for
 * 30 s. Only a short retry window helps (`acquire()` rejects and releases everything, and the worker calls
 * it again at once): retryCount 0, 1, 2, 10, 40 gave ~225, ~270, ~235, ~70, ~10-40 CS/s (K = 8, 3 s).
 */
const TUNED_QUORUM_REDLOCK = { ...TUNED_REDLOCK, retryCount: 1 } as const;

const REDLOCK_SETTINGS = {
  default: 'defaults: retryCount 10, retryDelay 200, retryJitter 100, driftFactor 0.01',
  tuned:
    'retryCount 1, retryDelay 5, retryJitter 5 (a give-up releases the partial grants; the caller calls ' +
    'acquire() again at once). Unbounded retries (tuned in b) livelock on a quorum',
} as const;

const REDLOCK = { lib: 'redlock', Redlock, ResourceLockedError } as const;
const SESAME = { lib: 'sesame-redlock', Redlock: SesameRedlock, ResourceLockedError: SesameLocked } as const;

/** redlock 5.0.0-beta.2, or its fork @sesamecare-oss/redlock 1.4.0, given the N connections. */
function redlockQuorum(family: Family, variant: Variant): QuorumAdapterSpec {
  return {
    id: `quorum:${family.lib}/${variant}`,
    lib: family.lib,
    variant,
    settings: REDLOCK_SETTINGS[variant],
    create: (redis) => redlockAdapter(family, redis, variant === 'tuned' ? TUNED_QUORUM_REDLOCK : {}),
  };
}

/** Every quorum library in both variants, in the round-robin order of scenario (e). */
export const QUORUM_LIBRARIES: readonly QuorumAdapterSpec[] = [
  lockCoreQuorum('default'),
  redlockQuorum(REDLOCK, 'default'),
  redlockQuorum(SESAME, 'default'),
  lockCoreQuorum('tuned'),
  redlockQuorum(REDLOCK, 'tuned'),
  redlockQuorum(SESAME, 'tuned'),
];

/** The quorum libraries a run includes (`--libs`: ids containing one of the given strings). */
export function selectedQuorum(filter: readonly string[] | undefined): QuorumAdapterSpec[] {
  if (!filter) return [...QUORUM_LIBRARIES];
  return QUORUM_LIBRARIES.filter((spec) => filter.some((f) => spec.id.includes(f)));
}

const byId = new Map(QUORUM_LIBRARIES.map((spec) => [spec.id, spec]));

export function quorumAdapterById(id: string): QuorumAdapterSpec {
  const spec = byId.get(id);
  if (!spec) throw new Error(`unknown quorum adapter "${id}" (known: ${[...byId.keys()].join(', ')})`);
  return spec;
}
