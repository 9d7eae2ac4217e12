import { type Confirmation, confirmFresh, isFresh, validityOf } from '../lease/freshness.js';
import type { Lease } from '../lease/lease.js';
import type { LockKeys } from '../protocol/keys.js';
import { extend } from '../scripts/calls.js';
import type { LocalLine } from './local-line.js';
import type { QueueHost } from './queue-host.js';

/** What a handover needs from its key queue. */
export interface HandoverSide {
  readonly keys: LockKeys;
  readonly host: QueueHost;
  readonly line: LocalLine;
  /** The lease now holding the lock for this client. */
  hold(lease: Lease): void;
  /** Nobody here can take the lock: release this hold (token and fence) onward. */
  passOn(token: string, fence: number): void;
  /** Runs `op` in the background, where close() waits for it. */
  track(op: Promise<unknown>, what: string): void;
  kick(): void;
}

/**
 * The last step of a wait: the lock was won for this queue (by a reply, a grant or a local hand-on) and
 * becomes the local head's lease. At once when the win is recent and for the ttl the head asked for;
 * otherwise after a renewal with the head's ttl, sent by this process, which becomes the lease's start.
 * So no lease is handed out past or close to its deadline, and Redis's expiry is never shorter than the
 * deadline the lease keeps.
 */
export class Handover {
  /** A win is being confirmed with a renewal before anyone here may rely on it. */
  #confirming: { token: string; fence: number } | null = null;
  /**
   * A newer hold of the token being confirmed (an owner lease's token, reused, won again meanwhile): the
   * renewal checks the older fence and will not find it, so this one is confirmed next.
   */
  #newer: { fence: number; ttl: number } | null = null;

  constructor(private readonly side: HandoverSide) {}

  get confirming(): boolean {
    return this.#confirming !== null;
  }

  /** `token`'s win is being confirmed: its grant, arriving now, is the same win (never passed on). */
  isConfirming(token: string): boolean {
    return this.#confirming?.token === token;
  }

  /**
   * (token, fence) holds the lock in Redis for `ttl` ms from no earlier than `startedAt`. `confirmed`: that
   * start is a renewal this queue just made, as fresh as this link allows (see `confirmFresh`).
   */
  won(token: string, fence: number, ttl: number, startedAt: number, confirmed = false): void {
    const { side } = this;
    const confirming = this.#confirming;
    if (confirming?.token === token) {
      // The same win again (a grant, and the reply of an attempt out meanwhile): the confirmation covers it.
      if (fence > confirming.fence && fence > (this.#newer?.fence ?? 0)) this.#newer = { fence, ttl };
      return;
    }
    const head = side.line.head;
    if (!head || this.#confirming !== null) {
      side.passOn(token, fence);
      return;
    }
    if (head.ttl !== ttl || (!confirmed && !isFresh(startedAt, validityOf(ttl, head.settings.validFor)))) {
      side.track(this.#confirm(token, fence, head.ttl, head.settings.validFor), 'confirming');
      return;
    }
    side.line.next();
    const lease = side.host.newLease(side.keys, token, fence, ttl, startedAt, head.settings);
    side.hold(lease);
    head.resolve(lease);
  }

  async #confirm(token: string, fence: number, ttl: number, validFor: number | undefined): Promise<void> {
    const { side } = this;
    this.#confirming = { token, fence };
    let confirmation: Confirmation | undefined;
    try {
      const renew = () => extend(side.host.scripts.redis, side.keys, { token, ttl, fence });
      confirmation = await confirmFresh(renew, ttl, validityOf(ttl, validFor));
      if (!('startedAt' in confirmation)) side.passOn(token, fence);
    } catch (err) {
      side.host.report(err, `confirming lock "${side.keys.name}"`);
      side.passOn(token, fence);
    } finally {
      this.#confirming = null;
    }
    const newer = this.#newer;
    this.#newer = null;
    if (newer && !(confirmation && 'startedAt' in confirmation)) {
      // Not found under the older fence because a newer hold replaced it: that one is confirmed now.
      this.won(token, newer.fence, newer.ttl, Number.NEGATIVE_INFINITY);
    } else if (confirmation && 'startedAt' in confirmation) {
      // The head may have changed meanwhile (it gave up): won() checks again, and confirms again if needed.
      this.won(token, fence, ttl, confirmation.startedAt, true);
    } else if (confirmation && 'tooShort' in confirmation) {
      // A lease of this ttl cannot be held over this link: the head is told so, and the line moves on.
      const head = side.line.head;
      if (head?.ttl === ttl) {
        side.line.next();
        head.reject(confirmation.tooShort);
      }
    }
    side.kick();
  }
}
