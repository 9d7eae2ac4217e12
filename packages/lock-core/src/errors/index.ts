export { LockClosedError } from './lock-closed-error.js';
export { LockError, type LockErrorCode } from './lock-error.js';
export { LockLostError, type LockLostReason } from './lock-lost-error.js';
export { LockNotHeldError } from './lock-not-held-error.js';
export { LockQuorumError } from './lock-quorum-error.js';
export { LockReplicationError } from './lock-replication-error.js';
export { LockTimeoutError } from './lock-timeout-error.js';
