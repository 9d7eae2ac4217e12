import { type AcquireOptions, LockClosedError, LockTimeoutError } from '@edirect/lock-core';
import { describe } from '../validate-options.js';
import { wrapMethod } from './wrap-method.js';

export interface WithLockOptions {
  /**
   * Wait for the lock when it is held, instead of skipping the call (default false: one attempt, and a
   * held lock makes the method return undefined without running).
   */
  wait?: boolean;
  /** With `wait: true`: the longest wait, ms; then the call rejects with `LockTimeoutError`. Default: unbounded. */
  waitTimeout?: number;
  /** Lease time, ms (default: the module's `ttl`, 30 s). The lease is renewed while the method runs. */
  ttl?: number;
  /** Renew the lease while the method runs (default true). */
  autoExtend?: boolean;
  /** Stop renewing this long after acquiring, ms. */
  maxHold?: number;
}

/** The lock key: a constant, or computed from the call's arguments (with `this` the instance). */
export type LockKey<A extends unknown[]> = string | ((...args: A) => string);

const KNOWN = ['wait', 'waitTimeout', 'ttl', 'autoExtend', 'maxHold'] as const;

/**
 * The method runs inside the lock `key`, across all pods. By default a call finds the lock held and
 * returns undefined without running (a cron tick another pod is already doing); with `{ wait: true }` it
 * waits its turn. The lease is released when the method settles; the method becomes async.
 *
 *   @Cron('0 * * * * *')
 *   @WithLock('sync-policies')
 *   async syncPolicies() { … }
 *
 *   @WithLock((id: string) => `invoice:${id}`, { wait: true, waitTimeout: 5_000 })
 *   async settle(id: string) { … }
 */
// biome-ignore lint/suspicious/noExplicitAny: a key function typed by its method's arguments needs any here.
export function WithLock<A extends unknown[] = any[]>(
  key: LockKey<A>,
  options: WithLockOptions = {},
): MethodDecorator {
  checkArguments(key, options);
  const { wait = false, waitTimeout, ...lease } = options;
  const acquire: AcquireOptions = { ...lease, waitTimeout: wait ? waitTimeout : 0 };
  return wrapMethod('@WithLock()', async (service, call, self, args) => {
    const name = typeof key === 'function' ? key.apply(self, args as A) : key;
    let ran = false;
    try {
      return await service.withLock(
        name,
        () => {
          ran = true;
          return call();
        },
        acquire,
      );
    } catch (err) {
      // Not acquired (held, with no wait) or cut short by shutdown: the call is skipped. Errors of the
      // method itself (ran === true) always propagate, even a LockTimeoutError of its own.
      if (!ran && !wait && LockTimeoutError.isInstance(err)) return undefined;
      if (!ran && LockClosedError.isInstance(err)) return undefined;
      throw err;
    }
  });
}

/** Mistakes surface when the class is defined, not at the first cron tick. */
function checkArguments(key: unknown, options: unknown): void {
  if (!(typeof key === 'string' && key !== '') && typeof key !== 'function') {
    throw new TypeError(`@WithLock() key must be a non-empty string or a function, got ${describe(key)}`);
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`@WithLock() options must be an object, got ${describe(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const name of Object.keys(o)) {
    if (!(KNOWN as readonly string[]).includes(name)) {
      throw new TypeError(`@WithLock() has an unknown option "${name}"; known options: ${KNOWN.join(', ')}`);
    }
  }
  for (const name of ['wait', 'autoExtend'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean') {
      throw new TypeError(`@WithLock() options.${name} must be a boolean, got ${describe(o[name])}`);
    }
  }
  for (const name of ['waitTimeout', 'ttl', 'maxHold'] as const) {
    const v = o[name];
    if (
      v !== undefined &&
      (typeof v !== 'number' || !Number.isInteger(v) || v < (name === 'waitTimeout' ? 0 : 1))
    ) {
      throw new TypeError(
        `@WithLock() options.${name} must be a whole number of milliseconds, got ${describe(v)}`,
      );
    }
  }
  if (o.waitTimeout !== undefined && o.wait !== true) {
    throw new TypeError(
      '@WithLock() options.waitTimeout needs options.wait: true (without it the call never waits)',
    );
  }
}
