import { LockError } from './lock-error.js';

/**
 * Quorum mode (`RedlockClient`): too few Redis nodes answered for a majority to be possible, so no
 * lock could be taken or kept. Contention (the key held elsewhere) is not this error: that is a null
 * from `tryAcquire` or a wait. `cause` is an `AggregateError` of the nodes' own errors.
 */
export class LockQuorumError extends LockError {
  readonly key: string;
  /** Nodes that answered. */
  readonly answered: number;
  /** Nodes a majority needs. */
  readonly needed: number;
  readonly total: number;

  constructor(key: string, answered: number, needed: number, total: number, options?: { cause?: unknown }) {
    super(
      'QUORUM_UNREACHABLE',
      `lock "${key}": only ${answered} of ${total} Redis nodes answered, a majority needs ${needed}`,
      options,
    );
    this.name = 'LockQuorumError';
    this.key = key;
    this.answered = answered;
    this.needed = needed;
    this.total = total;
  }

  static override isInstance(value: unknown): value is LockQuorumError {
    return LockError.isInstance(value) && value.code === 'QUORUM_UNREACHABLE';
  }
}
