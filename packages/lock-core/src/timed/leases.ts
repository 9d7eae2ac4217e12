import type { LockLostError } from '../errors/lock-lost-error.js';
import { Lease, type LeaseHost } from '../lease/lease.js';
import type { LockKeys } from '../protocol/keys.js';
import * as script from '../scripts/calls.js';
import type { Alarms } from '../util/alarms.js';
import { WorkInProgress } from '../util/work.js';
import type { KeyQueue } from './key-queue.js';
import type { LeaseSettings } from './waiter.js';

/** What the leases need from the timed locks. */
export interface LeasesHost {
  readonly alarms: Alarms;
  readonly scripts: script.ScriptTarget;
  /** The key's queue, if it has one: it releases its leases (handing on locally) and hears of their end. */
  queueOf(keys: LockKeys): KeyQueue | undefined;
  lost(key: string, err: LockLostError): void;
  report(err: unknown, context: string): void;
}

/**
 * The leases of one client's timed locks (and owner lease) that have not ended: close() releases them. A
 * lease lost by its own clock gives its hold back when released (Redis may keep it still): close() waits
 * for those give-backs, and none is sent once it is done.
 */
export class Leases {
  readonly #live = new Set<Lease>();
  readonly #giveBacks = new WorkInProgress();
  #givingBack = true;
  readonly #leaseHost: LeaseHost;

  constructor(host: LeasesHost) {
    const { scripts } = host;
    this.#leaseHost = {
      alarms: host.alarms,
      extend: (keys, token, ttl) => script.extend(scripts.redis, keys, { token, ttl }),
      release: (lease) => {
        const queue = host.queueOf(lease.redisKeys);
        if (queue) return queue.release(lease);
        return script.release(scripts, lease.redisKeys, { token: lease.token }).then((r) => r.released);
      },
      giveBack: ({ redisKeys, token, heldUnder }) =>
        this.#givingBack
          ? this.#giveBacks.track(script.release(scripts, redisKeys, { token, fence: heldUnder }))
          : undefined,
      ended: (lease) => {
        this.#live.delete(lease);
        host.queueOf(lease.redisKeys)?.ended(lease);
      },
      lost: (lease, err) => host.lost(lease.key, err),
      backgroundError: (err, context) => host.report(err, context),
    };
  }

  make(
    keys: LockKeys,
    token: string,
    fence: number,
    ttl: number,
    startedAt: number,
    s: LeaseSettings,
  ): Lease {
    const lease = new Lease(this.#leaseHost, { keys, token, fence, ttl, startedAt, ...s });
    this.#live.add(lease);
    return lease;
  }

  /** close(): every lease still held is released; failures are reported. */
  async releaseAll(report: (err: unknown, context: string) => void): Promise<void> {
    await Promise.all([...this.#live].map((lease) => lease.release().catch((e) => report(e, 'closing'))));
  }

  /** close(), last: the give-backs sent so far are answered, and none is sent from now on. */
  async endGiveBacks(): Promise<void> {
    this.#givingBack = false;
    await this.#giveBacks.drain();
  }
}
