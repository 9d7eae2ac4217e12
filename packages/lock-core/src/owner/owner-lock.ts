import { LockClosedError } from '../errors/lock-closed-error.js';
import type { ResolvedAcquire } from '../lease/acquire-options.js';
import type { Lease } from '../lease/lease.js';
import { ownerKeys } from '../protocol/keys.js';
import * as script from '../scripts/calls.js';
import type { TimedLocks } from '../timed/timed-locks.js';
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

  /** Claims the lease if it is free (or renews it if ours); the id holding it now. Never steals. */
  async claim(): Promise<string> {
    const { host, timed } = this;
    const keys = ownerKeys(host.keyPrefix, host.namespace);
    const ttl = host.ownerTtl;
    const sentAt = performance.now();
    const reply = await script.acquire(timed.scripts, keys, { token: host.instanceId, ttl });
    if (host.closed) {
      // close() ran while the claim was out: it could not see this ownership, so give it back here.
      if (reply.acquired) await script.release(timed.scripts, keys, { token: host.instanceId });
      throw new LockClosedError();
    }
    // Looked up after the reply: an idle queue may have been swept from the map meanwhile.
    const queue = timed.queueFor(keys, host.fallbackPoll, host.instanceId);
    if (reply.acquired) {
      // Ownership is sticky: a lease kept alive in the background until removeLockOwner() or close().
      if (!queue.holder?.isHeld()) {
        queue.adopt(reply.fence, ttl, sentAt, () =>
          timed.newLease(keys, host.instanceId, reply.fence, ttl, sentAt, { autoExtend: true }),
        );
      }
      return host.instanceId;
    }
    queue.holder?.forfeit('taken');
    return reply.holder;
  }

  /** The id of the lease's holder, or null. */
  holder(): Promise<string | null> {
    return this.timed.scripts.redis.get(ownerKeys(this.host.keyPrefix, this.host.namespace).lock);
  }

  /** Gives the lease up if this instance holds it (handing it to a campaigner at once). */
  async remove(): Promise<void> {
    const keys = ownerKeys(this.host.keyPrefix, this.host.namespace);
    const held: Lease | null | undefined = this.timed.queueOf(keys)?.holder;
    if (held) await held.release();
    else await script.release(this.timed.scripts, keys, { token: this.host.instanceId });
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
