import { LockError } from './lock-error.js';

/** Why a lease stopped being ours. */
export type LockLostReason =
  | 'expired' // the local deadline passed before a renewal confirmed the lease
  | 'deleted' // Redis no longer has the key
  | 'taken' // another holder's token is in the key
  | 'max-hold' // `maxHold` ran out, so renewal stopped and the lease ran to its end
  | 'resigned'; // an election term ended by stop(), removeLockOwner() or close()

/** A lease is gone: the reason its `signal` aborts with. */
export class LockLostError extends LockError {
  readonly key: string;
  readonly reason: LockLostReason;

  constructor(key: string, reason: LockLostReason, options?: { cause?: unknown }) {
    super('LOCK_LOST', `lock "${key}" was lost (${reason})`, options);
    this.name = 'LockLostError';
    this.key = key;
    this.reason = reason;
  }

  static override isInstance(value: unknown): value is LockLostError {
    return LockError.isInstance(value) && value.code === 'LOCK_LOST';
  }
}
