import {
  assertBoolean,
  assertKnownKeys,
  assertMs,
  assertNonNegativeMs,
  assertPlainObject,
  assertSignal,
  assertTtl,
  describe,
} from '../util/validate.js';

export interface AcquireOptions {
  /** Lease time, ms (default: the client's `ttl`, 30 s). */
  ttl?: number;
  /** Longest wait, ms; 0 means one attempt. Default: unbounded. */
  waitTimeout?: number;
  /** Stops the wait; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Renew at ttl/3 while held (default true for `acquire` and `withLock`, false for `tryAcquire`). */
  autoExtend?: boolean;
  /** Stop renewing this long after acquisition, ms; the lease then runs out. */
  maxHold?: number;
  /**
   * After taking the lock, wait until this many replicas acknowledged it (Redis WAIT, sent on the same
   * connection right behind the acquire script). If fewer do within `replicationTimeout`, the lock is
   * released and the call rejects with `LockReplicationError`: a lock that a failover would forget is
   * never handed out. Default: no waiting (0). Needs an ioredis connection (WAIT in a pipeline).
   */
  waitReplicas?: number;
  /** How long WAIT may block, ms (default: 1 s, or a third of the ttl if less); must be below the ttl. */
  replicationTimeout?: number;
}

export interface ResolvedAcquire {
  ttl: number;
  waitTimeout: number | undefined;
  signal: AbortSignal | undefined;
  autoExtend: boolean;
  maxHold: number | undefined;
  /** Absent (or 0): no WAIT. */
  waitReplicas?: number | undefined;
  replicationTimeout?: number | undefined;
}

const KNOWN = [
  'ttl',
  'waitTimeout',
  'signal',
  'autoExtend',
  'maxHold',
  'waitReplicas',
  'replicationTimeout',
] as const;

/** A wait's options, which a one-shot attempt (tryAcquire) refuses: it never waits. */
const WAIT_ONLY = ['waitTimeout', 'signal'] as const;

/** tryAcquire's options: as acquire's, less the wait's (its types leave them out too). */
export function resolveTryOptions(opts: unknown, defaultTtl: number): ResolvedAcquire {
  for (const name of WAIT_ONLY) {
    if (typeof opts === 'object' && opts !== null && name in opts) {
      throw new TypeError(
        `options.${name} does not apply to tryAcquire: it makes one attempt and never waits`,
      );
    }
  }
  return resolveAcquireOptions(opts, defaultTtl, false);
}

/** More replicas than any real deployment has: a typo (say, a timeout in this field) rather than a wish. */
const MAX_REPLICAS = 1_000;

export function resolveAcquireOptions(
  opts: unknown,
  defaultTtl: number,
  defaultAutoExtend: boolean,
): ResolvedAcquire {
  if (opts === undefined) {
    return {
      ttl: defaultTtl,
      waitTimeout: undefined,
      signal: undefined,
      autoExtend: defaultAutoExtend,
      maxHold: undefined,
    };
  }
  assertPlainObject(opts, 'options');
  assertKnownKeys(opts, KNOWN, 'options');
  const o = opts as AcquireOptions;
  if (o.ttl !== undefined) assertTtl(o.ttl, 'options.ttl');
  if (o.waitTimeout !== undefined) assertNonNegativeMs(o.waitTimeout, 'options.waitTimeout');
  if (o.signal !== undefined) assertSignal(o.signal, 'options.signal');
  if (o.autoExtend !== undefined) assertBoolean(o.autoExtend, 'options.autoExtend');
  if (o.maxHold !== undefined) assertMs(o.maxHold, 'options.maxHold');
  const ttl = o.ttl ?? defaultTtl;
  const resolved: ResolvedAcquire = {
    ttl,
    waitTimeout: o.waitTimeout,
    signal: o.signal,
    autoExtend: o.autoExtend ?? defaultAutoExtend,
    maxHold: o.maxHold,
  };
  if (o.waitReplicas !== undefined) assertReplicas(o.waitReplicas);
  if (o.replicationTimeout !== undefined) {
    assertMs(o.replicationTimeout, 'options.replicationTimeout');
    if (o.waitReplicas === undefined) {
      throw new TypeError('options.replicationTimeout needs options.waitReplicas');
    }
    // WAIT blocks before the lease is handed out: past the ttl there would be nothing left to hand out.
    if (o.replicationTimeout >= ttl) {
      throw new RangeError(
        `options.replicationTimeout (${o.replicationTimeout}) must be less than the ttl (${ttl})`,
      );
    }
  }
  if (o.waitReplicas) {
    resolved.waitReplicas = o.waitReplicas;
    resolved.replicationTimeout = o.replicationTimeout ?? Math.max(1, Math.min(1_000, Math.floor(ttl / 3)));
  }
  return resolved;
}

function assertReplicas(value: unknown): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`options.waitReplicas must be a non-negative integer, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < 0 || value > MAX_REPLICAS) {
    throw new RangeError(`options.waitReplicas must be an integer from 0 to ${MAX_REPLICAS}, got ${value}`);
  }
}
