import { describe } from 'vitest';
import { type MakeBackend, useBackend } from './backend.js';
import { badInputContract } from './bad-input.js';
import { closeContract } from './close.js';
import { keyValueContract } from './key-value.js';
import { ownerLockContract } from './owner-lock.js';
import { renewalContract } from './renewal.js';
import { timedLockContract } from './timed-lock.js';

export type { Backend, Inspector, MakeBackend } from './backend.js';

/**
 * The behaviour LockClient promises, as one suite run against any backend: real Redis (an integration
 * test) and InMemoryRedis (a unit test). A test that passes on one and fails on the other is a bug in
 * the fake. Timing is asserted by order, with margins that hold on a loaded machine and real Redis.
 */
export function contractSuite(name: string, makeBackend: MakeBackend): void {
  describe(`LockClient contract on ${name}`, () => {
    const suite = useBackend(makeBackend);
    timedLockContract(suite);
    ownerLockContract(suite);
    renewalContract(suite);
    keyValueContract(suite);
    badInputContract(suite);
    closeContract(suite);
  });
}
