import { LockClosedError } from '../errors/lock-closed-error.js';
import type { ResolvedAcquire } from '../lease/acquire-options.js';
import { isFresh, validityOf } from '../lease/freshness.js';
import type { Lease } from '../lease/lease.js';
import { ownerKeys } from '../protocol/keys.js';
import * as script from '../scripts/calls.js';
import type { TimedLocks } from '../timed/timed-locks.js';
import type { WorkInProgress } from '../util/work.js';
import { type ElectOptions, resolveElectOptions } from './elect-options.js';
import { type ElectionHost, LeaderElection } from './election.js';

/** What the owner lock needs from the client. */
export interface OwnerHost {
  readonly namespace: string;
  readonly instanceId: string;
  readonly keyPrefix: string;
  readonly ownerTtl: number;
  readonly fallbackPoll: number;
  readonly closed: boolean;
  /** Work under the ownership that close() lets finish first. */
  readonly work: WorkInProgress;
  readonly shutdownTimeout: number;
  report(err: unknown, context: string): void;
}

/**
 * The owner lease of a namespace (leader election): claimed by `isLockOwner()` / `setLockOwner()`, or
 * campaigned for by `elect()`. It is a lock like the timed ones, on `owner:{<namespace>}`, with the
 * instance id as its token, queued and handed over through the same key queue.
 */
export class OwnerLock {
  readonly #elections = new Set<LeaderElection>();
  readonly #electionHost: ElectionHost;

  constructor(
    private readonly host: OwnerHost,
    private readonly timed: TimedLocks,
  ) {
    this.#electionHost = {
      instanceId: host.instanceId,
      shutdownTimeout: host.shutdownTimeout,
      get closed() {
        return host.closed;
      },
      campaign: (o, signal, onHolder) => {
        const keys = ownerKeys(host.keyPrefix, o.name);
        const queue = timed.queueFor(keys, o.retryPeriod, host.instanceId);
        queue.onHolder = onHolder;
        const acquire: ResolvedAcquire = {
          ttl: o.leaseTtl,
          waitTimeout: undefined,
          signal,
          autoExtend: true,
          maxHold: undefined,
        };
        return timed.wait(queue, acquire, {
          autoExtend: true,
          renewEvery: o.retryPeriod,
          validFor: o.renewDeadline,
        });
      },
      backgroundError: (err, context) => host.report(err, context),
      electionStopped: (election) => {
        this.#elections.delete(election);
      },
    };
  }

  /**
   * Claims the lease if it is free; the id holding it now. Never steals, and never changes the expiry of
   * a lease this client already holds (an election's lease may be longer than `ownerTtl`; only the lease's
   * own renewal may touch it): then it only checks that Redis still agrees.
   */
  claim(): Promise<string> {
    // Tracked: a claim answered after close() began gives its win back before close() resolves.
    return this.timed.attempt(this.#claim());
  }

  async #claim(): Promise<string> {
    const { host, timed } = this;
    const keys = ownerKeys(host.keyPrefix, host.namespace);
    const held = timed.queueOf(keys)?.holder;
    if (held?.isHeld()) {
      const current = await timed.scripts.redis.get(keys.lock);
      if (host.closed) throw new LockClosedError();
      if (current === host.instanceId) return current;
      held.forfeit(current === null ? 'deleted' : 'taken');
      if (current !== null) return current;
    } else {
      // Past its local deadline, its timer not yet run: it cannot be revived (someone may think it free).
      held?.forfeit('expired');
    }
    const ttl = host.ownerTtl;
    const sentAt = performance.now();
    const reply = await script.acquire(timed.scripts, keys, { token: host.instanceId, ttl, claim: true });
    if (host.closed) {
      // close() ran while the claim was out: it could not see this ownership, so give it back here.
      if (reply.acquired) await script.release(timed.scripts, keys, { token: host.instanceId });
      throw new LockClosedError();
    }
    if (!reply.acquired) {
      timed.queueOf(keys)?.holder?.forfeit('taken');
      return reply.holder;
    }
    // Looked up after the reply: an idle queue may have been swept from the map meanwhile.
    const queue = timed.queueFor(keys, host.fallbackPoll, host.instanceId);
    // A lease of this client holds it already (an election of ours won it meanwhile): it renews itself.
    if (queue.holder?.isHeld()) return host.instanceId;
    // Found already ours, its expiry untouched (a restart with a fixed instance id, or a lease that ran out
    // here while Redis kept it): the lease counts from what Redis has left.
    const startedAt = reply.remaining === undefined ? sentAt : sentAt + reply.remaining - ttl;
    // Ownership is sticky: a lease kept alive in the background until removeLockOwner() or close(). One
    // that came back late (or found little left) renews at once, as its own first renewal.
    const renewFirstIn = isFresh(startedAt, validityOf(ttl)) ? undefined : 0;
    queue.adopt(reply.fence, ttl, startedAt, () =>
      timed.newLease(keys, host.instanceId, reply.fence, ttl, startedAt, { autoExtend: true, renewFirstIn }),
    );
    return host.instanceId;
  }

  /**
   * Runs `fn` if this instance owns the lease (claiming it as `claim()` does); close() lets it finish
   * before it gives the ownership up. Undefined, without running `fn`, on another pod.
   */
  async ifOwner<T>(fn: () => T | Promise<T>): Promise<T | undefined> {
    if ((await this.claim()) !== this.host.instanceId) return undefined;
    return this.host.work.track(Promise.resolve().then(fn));
  }

  /** The id of the lease's holder, or null. */
  holder(): Promise<string | null> {
    return this.timed.scripts.redis.get(ownerKeys(this.host.keyPrefix, this.host.namespace).lock);
  }

  /** Gives the lease up if this instance holds it (handing it to a campaigner at once). */
  remove(): Promise<void> {
    return this.timed.attempt(this.#remove());
  }

  async #remove(): Promise<void> {
    const keys = ownerKeys(this.host.keyPrefix, this.host.namespace);
    const queue = this.timed.queueOf(keys);
    const held: Lease | null | undefined = queue?.holder;
    if (held) await held.release();
    // An election of this client is campaigning: whatever it wins is its term, not a claim to give up
    // (releasing by the instance id now could free a term it was handed a moment ago).
    else if (!queue || queue.isIdle)
      await script.release(this.timed.scripts, keys, { token: this.host.instanceId });
  }

  /** Starts a background campaign (see `ElectOptions`). */
  elect(options: ElectOptions | undefined): LeaderElection {
    const o = resolveElectOptions(options, this.host.namespace, this.host.ownerTtl);
    if (this.host.closed) throw new LockClosedError();
    for (const running of this.#elections) {
      if (running.name === o.name)
        throw new Error(`an election for "${o.name}" is already running on this client`);
    }
    const election = new LeaderElection(this.#electionHost, o);
    this.#elections.add(election);
    return election;
  }

  /** close(), first: every election resigns and stops. */
  async stopElections(): Promise<void> {
    await Promise.all([...this.#elections].map((e) => e.stop()));
  }
}
