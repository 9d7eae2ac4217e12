import type { Lease } from '../lease/lease.js';
import type { LockKeys } from '../protocol/keys.js';
import type { Notifier } from '../redis/notifier.js';
import type { ScriptTarget } from '../scripts/calls.js';
import type { LeaseSettings } from './waiter.js';

/** What a key queue needs from the client. */
export interface QueueHost {
  readonly closed: boolean;
  /** This client's id in queue entries: grants for it arrive on `<channel>:<clientTag>`. */
  readonly clientTag: string;
  readonly notifier: Notifier;
  readonly scripts: ScriptTarget;
  newLease(
    keys: LockKeys,
    token: string,
    fence: number,
    ttl: number,
    startedAt: number,
    s: LeaseSettings,
  ): Lease;
  report(err: unknown, context: string): void;
  /** The queue of `keys` has nothing left to do: the client may forget it. */
  idle(keys: LockKeys): void;
}
