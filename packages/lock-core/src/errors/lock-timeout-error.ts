import { LockError } from './lock-error.js';

/** `acquire` waited `waitTimeout` ms without getting the lock. */
export class LockTimeoutError extends LockError {
  readonly key: string;
  readonly waitTimeout: number;

  constructor(key: string, waitTimeout: number) {
    super('LOCK_TIMEOUT', `lock "${key}" was not acquired within ${waitTimeout} ms`);
    this.name = 'LockTimeoutError';
    this.key = key;
    this.waitTimeout = waitTimeout;
  }

  static override isInstance(value: unknown): value is LockTimeoutError {
    return LockError.isInstance(value) && value.code === 'LOCK_TIMEOUT';
  }
}
