import { LockLostError } from '../errors/lock-lost-error.js';
import {
  assertFunction,
  assertKey,
  assertKnownKeys,
  assertMs,
  assertPlainObject,
  assertSignal,
} from '../internal/validate.js';
import type { Lease } from '../timed/lease.js';

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
  assertKey(name, 'options.name');
  const leaseTtl = o.leaseTtl ?? ownerTtl;
  assertMs(leaseTtl, 'options.leaseTtl');
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

/** What an election needs from the client. */
export interface ElectionHost {
  readonly instanceId: string;
  readonly closed: boolean;
  /** Waits for the owner lease of `name` (queued like a timed lock); rejects when `signal` aborts. */
  campaign(opts: ResolvedElect, signal: AbortSignal, onHolder: (holder: string) => void): Promise<Lease>;
  backgroundError(err: unknown, context: string): void;
  electionStopped(election: LeaderElection): void;
}

/**
 * A background campaign for an owner lease. While it leads, `term.signal` is live; it aborts, and
 * `onRevoked` runs, when a renewal fails or `renewDeadline` passes without one, which is before the lease
 * can expire in Redis and another instance be elected.
 */
export class LeaderElection {
  #isLeader = false;
  #leaderId: string | null = null;
  #term: Lease | null = null;
  readonly #stop = new AbortController();
  readonly #done: Promise<void>;

  constructor(
    private readonly host: ElectionHost,
    private readonly opts: ResolvedElect,
  ) {
    opts.signal?.addEventListener('abort', () => void this.stop(), { once: true });
    this.#done = this.#run();
  }

  get name(): string {
    return this.opts.name;
  }

  /** The timings in force, defaults filled in. */
  get timings(): { leaseTtl: number; renewDeadline: number; retryPeriod: number } {
    const { leaseTtl, renewDeadline, retryPeriod } = this.opts;
    return { leaseTtl, renewDeadline, retryPeriod };
  }

  /**
   * True while this instance leads and its lease is within its local deadline. Check it right before
   * leader-only work: a process paused past the deadline reads false before any timer had a chance to run.
   */
  get isLeader(): boolean {
    return this.#isLeader && this.#term?.isHeld() === true;
  }

  /** The leader as last seen: this instance's id while it leads, else another's (or null). */
  get leaderId(): string | null {
    return this.#leaderId;
  }

  /** Resigns (handing the lease to the next campaigner at once) and stops campaigning. */
  async stop(): Promise<void> {
    if (!this.#stop.signal.aborted) this.#stop.abort();
    await this.#done;
  }

  async #run(): Promise<void> {
    const stopped = this.#stop.signal;
    if (this.opts.signal?.aborted) this.#stop.abort();
    while (!stopped.aborted && !this.host.closed) {
      let lease: Lease;
      try {
        lease = await this.host.campaign(this.opts, stopped, (holder) => this.#seeLeader(holder));
      } catch (err) {
        if (stopped.aborted || this.host.closed) break;
        this.host.backgroundError(err, `campaigning for "${this.opts.name}"`);
        await sleep(this.opts.retryPeriod, stopped);
        continue;
      }
      this.#term = lease;
      this.#isLeader = true;
      this.#seeLeader(this.host.instanceId);
      // The term's signal ends with the term, whatever ends it: the lease's loss, or resignation.
      const term = new AbortController();
      const endTerm = () => term.abort(lease.signal.reason ?? new LockLostError(this.opts.name, 'resigned'));
      lease.signal.addEventListener('abort', endTerm, { once: true });
      await this.#hook('onElected', () => this.opts.onElected?.({ fence: lease.fence, signal: term.signal }));
      await Promise.race([lease.ended, aborted(stopped)]);
      this.#isLeader = false; // before resigning: Redis may hand the lease on before the reply is back
      // Resign (a no-op answer if the lease is already gone): the next campaigner is handed it at once.
      await lease.release().catch((err) => this.host.backgroundError(err, `resigning "${this.opts.name}"`));
      lease.signal.removeEventListener('abort', endTerm);
      endTerm();
      this.#term = null;
      this.#isLeader = false;
      this.#seeLeader(null);
      await this.#hook('onRevoked', () => this.opts.onRevoked?.());
    }
    this.host.electionStopped(this);
  }

  #seeLeader(id: string | null): void {
    if (id === this.#leaderId) return;
    this.#leaderId = id;
    void this.#hook('onLeaderChange', () => this.opts.onLeaderChange?.(id));
  }

  async #hook(name: string, call: () => unknown): Promise<void> {
    try {
      await call();
    } catch (err) {
      this.host.backgroundError(err, `${name} of election "${this.opts.name}"`);
    }
  }

  /** @internal the current term's lease, for close(). */
  get term(): Lease | null {
    return this.#term;
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
