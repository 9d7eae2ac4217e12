import {
  type AcquireOptions,
  type ElectOptions,
  type LeaderElection,
  type Lease,
  LockClient,
} from '@edirect/lock-core';
import { Inject, Injectable } from '@nestjs/common';
import { LOCK_CLIENT } from './lock.constants.js';

/**
 * The API of the original `@edirect/lock`, names and signatures kept, plus the core's richer calls. Every
 * call is the `LockClient`'s (see `@edirect/lock-core`); this class adds nothing but the Nest wiring.
 */
@Injectable()
export class LockService {
  constructor(@Inject(LOCK_CLIENT) private readonly lockClient: LockClient) {}

  /** The module's `LockClient`, for anything this service does not pass through. */
  get client(): LockClient {
    return this.lockClient;
  }

  // ---- the original API -----------------------------------------------------------------------------

  /**
   * Waits until `key` is free, then runs `callback(unlock)`. The lock expires after `ttl` ms (30 s by
   * default) unless `unlock()` comes first. A throw or rejection from the callback releases the lock.
   */
  lock(key: string, callback: (unlock: () => void) => void | Promise<void>, ttl?: number): void {
    this.lockClient.lock(key, callback, ttl);
  }

  /** True if this pod holds its namespace's owner lease (claiming or renewing it in the same step). */
  isLockOwner(): Promise<boolean> {
    return this.lockClient.isLockOwner();
  }

  /** Claims the owner lease if it is free (never steals a live one); returns the id holding it now. */
  setLockOwner(): Promise<string> {
    return this.lockClient.setLockOwner();
  }

  /** The id of the pod holding the owner lease, or null when nobody does. */
  getLockOwner(): Promise<string | null> {
    return this.lockClient.getLockOwner();
  }

  /** Gives up the owner lease if this pod holds it. */
  removeLockOwner(): Promise<void> {
    return this.lockClient.removeLockOwner();
  }

  /** SET `key`; unless `override`, an existing value is kept. */
  set(key: string, value: string, override?: boolean): Promise<void> {
    return this.lockClient.set(key, value, override);
  }

  /** The value of `key`, or null. */
  get(key: string): Promise<string | null> {
    return this.lockClient.get(key);
  }

  // ---- the core's calls -----------------------------------------------------------------------------

  /** Waits for `key` (up to `waitTimeout`, or until `signal` aborts) and returns the lease. */
  acquire(key: string, options?: AcquireOptions): Promise<Lease> {
    return this.lockClient.acquire(key, options);
  }

  /** One attempt: the lease, or null if `key` is held. */
  tryAcquire(key: string, options?: Omit<AcquireOptions, 'waitTimeout' | 'signal'>): Promise<Lease | null> {
    return this.lockClient.tryAcquire(key, options);
  }

  /**
   * Runs `fn` only on the pod that owns its namespace's lease, and returns its result (undefined
   * elsewhere). Shutdown lets it finish before the ownership is given up.
   */
  ifLockOwner<T>(fn: () => T | Promise<T>): Promise<T | undefined> {
    return this.lockClient.ifLockOwner(fn);
  }

  /** Acquires `key`, runs `fn(lease)`, releases, and returns `fn`'s result. */
  withLock<T>(key: string, fn: (lease: Lease) => T | Promise<T>, options?: AcquireOptions): Promise<T> {
    return this.lockClient.withLock(key, fn, options);
  }

  /** A background campaign for the owner lease (`onElected`, `onRevoked`, `stop()`). */
  elect(options?: ElectOptions): LeaderElection {
    return this.lockClient.elect(options);
  }
}
