import { LockClosedError } from '@edirect/lock-core';
import { wrapMethod } from './wrap-method.js';

/**
 * The method runs only on the pod that owns its namespace's lease (`isLockOwner()`, which claims a free
 * lease or renews ours); on the others it returns undefined without running. The method becomes async.
 * At shutdown, a run in progress keeps the ownership until it returns (up to the module's
 * `shutdownTimeout`), so no other pod starts the same job meanwhile.
 *
 *   @Cron('0 * * * * *')
 *   @OwnerOnly()
 *   async runScheduledJob() { … }
 */
export function OwnerOnly(): MethodDecorator {
  return wrapMethod('@OwnerOnly()', async (service, call) => {
    let ran = false;
    try {
      return await service.client.ifLockOwner(() => {
        ran = true;
        return call();
      });
    } catch (err) {
      // Closed between the check and the call: shutdown, so this pod owns nothing any more. Errors of the
      // method itself (ran === true) always propagate.
      if (!ran && LockClosedError.isInstance(err)) return undefined;
      throw err;
    }
  });
}
