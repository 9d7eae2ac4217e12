/**
 * Injection tokens. They are public API: string constants, so two copies of this package (an ESM and a
 * CJS one in the same app) still agree on them.
 */

/** The options given to `LockModule.register` / `registerAsync` (after `isGlobal` is taken out). */
export const LOCK_MODULE_OPTIONS = 'LOCK:MODULE_OPTIONS';

/** The module's `LockClient` from `@edirect/lock-core`; inject it with `@InjectLockClient()`. */
export const LOCK_CLIENT = 'LOCK:CLIENT';

/** @internal The client together with its connection and whether the module made that connection. */
export const LOCK_RUNTIME = 'LOCK:RUNTIME';
