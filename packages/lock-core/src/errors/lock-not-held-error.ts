import { LockError } from './lock-error.js';

/** `lease.extend()` on a lease that is no longer held (released, expired or taken). */
export class LockNotHeldError extends LockError {
  readonly key: string;

  constructor(key: string) {
    super('LOCK_NOT_HELD', `lock "${key}" is not held by this lease`);
    this.name = 'LockNotHeldError';
    this.key = key;
  }

  static override isInstance(value: unknown): value is LockNotHeldError {
    return LockError.isInstance(value) && value.code === 'LOCK_NOT_HELD';
  }
}
