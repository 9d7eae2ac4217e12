import {
  assertBoolean,
  assertKnownKeys,
  assertMs,
  assertNonNegativeMs,
  assertPlainObject,
  assertSignal,
} from '../internal/validate.js';

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
}

export interface ResolvedAcquire {
  ttl: number;
  waitTimeout: number | undefined;
  signal: AbortSignal | undefined;
  autoExtend: boolean;
  maxHold: number | undefined;
}

const KNOWN = ['ttl', 'waitTimeout', 'signal', 'autoExtend', 'maxHold'] as const;

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
  if (o.ttl !== undefined) assertMs(o.ttl, 'options.ttl');
  if (o.waitTimeout !== undefined) assertNonNegativeMs(o.waitTimeout, 'options.waitTimeout');
  if (o.signal !== undefined) assertSignal(o.signal, 'options.signal');
  if (o.autoExtend !== undefined) assertBoolean(o.autoExtend, 'options.autoExtend');
  if (o.maxHold !== undefined) assertMs(o.maxHold, 'options.maxHold');
  return {
    ttl: o.ttl ?? defaultTtl,
    waitTimeout: o.waitTimeout,
    signal: o.signal,
    autoExtend: o.autoExtend ?? defaultAutoExtend,
    maxHold: o.maxHold,
  };
}
