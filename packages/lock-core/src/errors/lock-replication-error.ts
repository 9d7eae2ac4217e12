import { LockError } from './lock-error.js';

/**
 * An acquisition with `waitReplicas` got the lock, but fewer replicas than asked acknowledged it within
 * `replicationTimeout` (or WAIT itself failed). The lock was released before this was thrown: a lock that
 * a failover could forget is not handed to the caller.
 */
export class LockReplicationError extends LockError {
  readonly key: string;
  /** Replicas asked for. */
  readonly wanted: number;
  /** Replicas that acknowledged, as WAIT replied; undefined when WAIT itself failed (see `cause`). */
  readonly acknowledged: number | undefined;

  constructor(key: string, wanted: number, acknowledged: number | undefined, options?: { cause?: unknown }) {
    const got = acknowledged === undefined ? 'WAIT failed' : `${acknowledged} acknowledged`;
    super('REPLICATION_FAILED', `lock "${key}" was not replicated to ${wanted} replica(s) (${got})`, options);
    this.name = 'LockReplicationError';
    this.key = key;
    this.wanted = wanted;
    this.acknowledged = acknowledged;
  }

  static override isInstance(value: unknown): value is LockReplicationError {
    return LockError.isInstance(value) && value.code === 'REPLICATION_FAILED';
  }
}
