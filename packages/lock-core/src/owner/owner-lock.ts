import { LockClosedError } from '../errors/lock-closed-error.js';
import type { ResolvedAcquire } from '../lease/acquire-options.js';
import { confirmFresh, isFresh, validityOf } from '../lease/freshness.js';
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
  /** Claims and removes run one after another: each sees what the one before it left (see `#serially`). */
  #last: Promise<unknown> = Promise.resolve();
  /** A claim queued and not started yet: claims called meanwhile share its answer. */
  #nextClaim: Promise<string> | null = null;

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
    if (this.#nextClaim) return this.#nextClaim;
    // Tracked: a claim answered after close() began gives its win back before close() resolves.
    const claim = this.timed.attempt(
      this.#serially(() => {
        if (this.#nextClaim === claim) this.#nextClaim = null;
        return this.#claim();
      }),
    );
    this.#nextClaim = claim;
    return claim;
  }

  /**
   * Runs owner operations of this client one at a time. Overlapping, a remove() could free (by the
   * instance id) a claim still in flight, and the claim's reply be believed.
   */
  #serially<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#last.then(op, op);
    this.#last = run.catch(() => {});
    return run;
  }

  async #claim(): Promise<string> {
    const { host, timed } = this;
    if (host.closed) throw new LockClosedError();
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
      if (reply.acquired)
        await script.release(timed.scripts, keys, { token: host.instanceId, fence: reply.fence });
      throw new LockClosedError();
    }
    if (!reply.acquired) {
      // Only the lease that held before this claim: one an election of ours was granted meanwhile is not.
      const queue = timed.queueOf(keys);
      if (held && queue?.holder === held) held.forfeit('taken');
      return reply.holder;
    }
    // A lease of this client holds it (an election of ours won it meanwhile): it keeps its expiry and renews
    // itself. Found already ours after that win, the claim re-stamped that very hold: a give-back names it.
    const holder = timed.queueOf(keys)?.holder;
    if (holder?.isHeld()) {
      if (reply.remaining !== undefined) holder.heldUnder = Math.max(holder.heldUnder, reply.fence);
      return host.instanceId;
    }
    if (holder) {
      // One is ending (a term resigning, or past its deadline): its release, by the token, may free the hold
      // this claim just found or took. Claim again once it has ended.
      await holder.ended;
      if (host.closed) {
        // close() began meanwhile and could not see this claim's hold: given back here (only that hold).
        await script
          .release(timed.scripts, keys, { token: host.instanceId, fence: reply.fence })
          .catch(() => {});
        throw new LockClosedError();
      }
      return this.#claim();
    }
    // Found already ours, its expiry untouched (a restart with a fixed instance id, or a lease that ran out
    // here while Redis kept it): it counts from what Redis has left. A win that came back late is confirmed
    // by a renewal of that very hold (its fence) before anyone relies on it, as every acquisition's is.
    let startedAt = reply.remaining === undefined ? sentAt : sentAt + reply.remaining - ttl;
    if (!isFresh(startedAt, validityOf(ttl))) {
      const renew = () =>
        script.extend(timed.scripts.redis, keys, { token: host.instanceId, ttl, fence: reply.fence });
      const confirmation = await confirmFresh(renew, ttl, validityOf(ttl));
      if ('tooShort' in confirmation) throw confirmation.tooShort;
      if ('lost' in confirmation) return (await timed.scripts.redis.get(keys.lock)) ?? '';
      startedAt = confirmation.startedAt;
    }
    // Looked up after the reply: an idle queue may have been swept from the map meanwhile.
    const queue = timed.queueFor(keys, host.fallbackPoll, host.instanceId);
    // A lease of this client holds it already (an election of ours won it meanwhile): it renews itself.
    if (queue.holder?.isHeld()) return host.instanceId;
    // Ownership is sticky: a lease kept alive in the background until removeLockOwner() or close().
    queue.adopt(() =>
      timed.newLease(keys, host.instanceId, reply.fence, ttl, startedAt, { autoExtend: true }),
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
    // A claim called after this remove must not share the answer of one queued before it.
    this.#nextClaim = null;
    return this.timed.attempt(this.#serially(() => this.#remove()));
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
