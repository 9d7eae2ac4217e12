import { lockKeys, ownerKeys } from '@edirect/lock-core/testing';
import { describe, expect, it } from 'vitest';

/**
 * The one place the key layout is spelled out: every other test builds key names with lockKeys() and
 * ownerKeys(). Changing the layout breaks existing deployments (a new pod would not see an old pod's
 * lock), so this test is meant to fail until that is decided on purpose.
 */
describe('key layout in Redis', () => {
  it('a lock: every key shares the hash tag {<name>}, under keyPrefix', () => {
    expect(lockKeys('app:', 'sync-policies')).toEqual({
      name: 'sync-policies',
      lock: 'app:lock:{sync-policies}',
      fence: 'app:lock:{sync-policies}:fence',
      queue: 'app:lock:{sync-policies}:queue',
      channel: 'app:lock:{sync-policies}:events',
    });
  });

  it('an owner lease: owner:{<namespace>}, of the same shape', () => {
    expect(ownerKeys('', 'orders')).toEqual({
      name: 'orders',
      lock: 'owner:{orders}',
      fence: 'owner:{orders}:fence',
      queue: 'owner:{orders}:queue',
      channel: 'owner:{orders}:events',
    });
  });
});
