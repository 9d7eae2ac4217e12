import type { Lease } from '../lease/lease.js';
import type { LockKeys } from '../protocol/keys.js';
import { type ExtendResult, extend } from '../scripts/calls.js';
import type { LocalLine } from './local-line.js';
import type { QueueHost } from './queue-host.js';

/** What a handover needs from its key queue. */
export interface HandoverSide {
  readonly keys: LockKeys;
  readonly host: QueueHost;
  readonly line: LocalLine;
  /** The lease now holding the lock for this client. */
  hold(lease: Lease): void;
  /** Nobody here wants the lock any more: release it onward. */
  passOn(token: string): void;
  kick(): void;
}

/**
 * The last step of a wait: the lock was won for this queue (by a reply, a grant or a local hand-on) and
 * becomes the local head's lease, straight away or after a renewal that confirms it.
 */
export class Handover {
  /** A grant is being confirmed with a renewal before anyone here may rely on it. */
  #confirming = false;

  constructor(private readonly side: HandoverSide) {}

  get confirming(): boolean {
    return this.#confirming;
  }

  /** Makes (token, fence) the head's lease, counting from `startedAt`; passes it on if nobody waits. */
  give(token: string, fence: number, ttl: number, startedAt: number): void {
    const { side } = this;
    const waiter = side.line.next();
    if (!waiter) {
      side.passOn(token);
      return;
    }
    const lease = side.host.newLease(side.keys, token, fence, ttl, startedAt, waiter.settings);
    side.hold(lease);
    waiter.resolve(lease);
    if (waiter.ttl !== ttl) {
      // The entry was queued for an earlier head with another ttl: bring the lease to the ttl asked for.
      lease.extend(waiter.ttl).catch((err) => side.host.report(err, `extending lock "${side.keys.name}"`));
    }
  }

  /** Renews a grant before handing it out: a lease starts from a renewal we sent, never from a guess. */
  async confirm(token: string, fence: number, ttl: number): Promise<void> {
    const { side } = this;
    this.#confirming = true;
    const sentAt = performance.now();
    let result: ExtendResult | undefined;
    try {
      result = await extend(side.host.scripts.redis, side.keys, { token, ttl });
    } catch (err) {
      side.host.report(err, `confirming lock "${side.keys.name}"`);
      side.passOn(token);
    } finally {
      this.#confirming = false;
    }
    if (result === 'extended') this.give(token, fence, ttl, sentAt);
    side.kick();
  }
}
