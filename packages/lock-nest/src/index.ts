export {
  type AcquireOptions,
  type ElectOptions,
  type LeaderElection,
  type Lease,
  LockClient,
  LockClosedError,
  LockError,
  LockLostError,
  LockNotHeldError,
  LockTimeoutError,
  type Term,
} from '@edirect/lock-core';
export { OwnerOnly } from './decorators/owner-only.decorator.js';
export { type LockKey, WithLock, type WithLockOptions } from './decorators/with-lock.decorator.js';
export { InjectLockClient } from './inject-lock-client.decorator.js';
export { LOCK_CLIENT, LOCK_MODULE_OPTIONS } from './lock.constants.js';
export { LockModule } from './lock.module.js';
export type { LockModuleAsyncOptions, LockModuleRegisterOptions } from './lock.module-definition.js';
export { LockService } from './lock.service.js';
export type {
  LockCoreOptions,
  LockModuleConnectionOptions,
  LockModuleOptions,
  LockModuleRedisOptions,
  LockOptionsFactory,
  LockRedisOptions,
} from './lock-module-options.js';
