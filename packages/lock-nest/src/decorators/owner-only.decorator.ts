import { LockClosedError } from '@edirect/lock-core';
import { wrapMethod } from './wrap-method.js';

/**
 * The method runs only on the pod that owns its namespace's lease (`isLockOwner()`, which claims a free
 * lease or renews ours); on the others it returns undefined without running. The method becomes async.
 *
 *   @Cron('0 * * * * *')
 *   @OwnerOnly()
 *   async runScheduledJob() { … }
 */
export function OwnerOnly(): MethodDecorator {
  return wrapMethod('@OwnerOnly()', async (service, call) => {
    let owner: boolean;
    try {
      owner = await service.isLockOwner();
    } catch (err) {
      // Closed between the check and the call: shutdown, so this pod owns nothing any more.
      if (LockClosedError.isInstance(err)) return undefined;
      throw err;
    }
    return owner ? call() : undefined;
  });
}
