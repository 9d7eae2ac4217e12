import { LockError } from './lock-error.js';

/** A call on a client after `close()`, or a wait cut short by it. */
export class LockClosedError extends LockError {
  constructor() {
    super('CLIENT_CLOSED', 'the LockClient is closed');
    this.name = 'LockClosedError';
  }

  static override isInstance(value: unknown): value is LockClosedError {
    return LockError.isInstance(value) && value.code === 'CLIENT_CLOSED';
  }
}
