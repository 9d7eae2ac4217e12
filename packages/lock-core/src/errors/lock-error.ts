const BRAND = Symbol.for('@edirect/lock-core:LockError');

export type LockErrorCode =
  | 'LOCK_TIMEOUT'
  | 'LOCK_LOST'
  | 'CLIENT_CLOSED'
  | 'LOCK_NOT_HELD'
  | 'REPLICATION_FAILED'
  | 'QUORUM_UNREACHABLE';

/**
 * Root of every error this library raises on purpose. `isInstance` works across duplicated copies of
 * the package (a brand, not `instanceof`).
 */
export class LockError extends Error {
  readonly code: LockErrorCode;

  constructor(code: LockErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LockError';
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static isInstance(value: unknown): value is LockError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
