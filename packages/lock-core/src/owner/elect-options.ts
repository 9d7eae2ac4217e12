import {
  assertFunction,
  assertKnownKeys,
  assertLockName,
  assertMs,
  assertPlainObject,
  assertSignal,
  assertTtl,
} from '../util/validate.js';

/** One stretch of leadership. */
export interface Term {
  /** The owner lease's fencing token: strictly increases from term to term. */
  readonly fence: number;
  /**
   * Aborts when the term ends: with the lease's `LockLostError` when leadership was lost, or a
   * `LockLostError` with reason "resigned" on `stop()`, `removeLockOwner()` or `close()`. Stop leader-only
   * work on it.
   */
  readonly signal: AbortSignal;
}

export interface ElectOptions {
  /** Campaign for this name's lease instead of the client's namespace. */
  name?: string;
  /** Lease duration in Redis, ms (default: the client's `ownerTtl`, 15 s). */
  leaseTtl?: number;
  /** A leader that could not renew for this long steps down, ms (default 10 s; < leaseTtl). */
  renewDeadline?: number;
  /** Renewal period of the leader and retry period of the others, ms (default 2 s; < renewDeadline). */
  retryPeriod?: number;
  onElected?: (term: Term) => void | Promise<void>;
  onRevoked?: () => void | Promise<void>;
  onLeaderChange?: (leaderId: string | null) => void;
  /** Aborting it is `stop()`. */
  signal?: AbortSignal;
}

export interface ResolvedElect {
  name: string;
  leaseTtl: number;
  renewDeadline: number;
  retryPeriod: number;
  onElected: ((term: Term) => void | Promise<void>) | undefined;
  onRevoked: (() => void | Promise<void>) | undefined;
  onLeaderChange: ((leaderId: string | null) => void) | undefined;
  signal: AbortSignal | undefined;
}

const KNOWN = [
  'name',
  'leaseTtl',
  'renewDeadline',
  'retryPeriod',
  'onElected',
  'onRevoked',
  'onLeaderChange',
  'signal',
];

/** Defaults as Kubernetes leader election names them: lease 15 s, renew deadline 10 s, retry 2 s. */
export function resolveElectOptions(opts: unknown, namespace: string, ownerTtl: number): ResolvedElect {
  const raw: unknown = opts ?? {};
  assertPlainObject(raw, 'options');
  assertKnownKeys(raw, KNOWN, 'elect options');
  const o = raw as ElectOptions;
  const name = o.name ?? namespace;
  assertLockName(name, 'options.name');
  const leaseTtl = o.leaseTtl ?? ownerTtl;
  assertTtl(leaseTtl, 'options.leaseTtl');
  const renewDeadline = o.renewDeadline ?? Math.min(10_000, Math.floor((leaseTtl * 2) / 3));
  assertMs(renewDeadline, 'options.renewDeadline');
  const retryPeriod = o.retryPeriod ?? Math.min(2_000, Math.floor(renewDeadline / 5));
  assertMs(retryPeriod, 'options.retryPeriod');
  if (renewDeadline >= leaseTtl) {
    throw new RangeError(
      `options.renewDeadline (${renewDeadline}) must be less than options.leaseTtl (${leaseTtl})`,
    );
  }
  if (retryPeriod >= renewDeadline) {
    throw new RangeError(
      `options.retryPeriod (${retryPeriod}) must be less than options.renewDeadline (${renewDeadline})`,
    );
  }
  for (const hook of ['onElected', 'onRevoked', 'onLeaderChange'] as const) {
    if (o[hook] !== undefined) assertFunction(o[hook], `options.${hook}`);
  }
  if (o.signal !== undefined) assertSignal(o.signal, 'options.signal');
  return {
    name,
    leaseTtl,
    renewDeadline,
    retryPeriod,
    onElected: o.onElected,
    onRevoked: o.onRevoked,
    onLeaderChange: o.onLeaderChange,
    signal: o.signal,
  };
}
