import { LockModule, LockService } from '@edirect/lock';
import { InMemoryRedis, ownerKeys } from '@edirect/lock-core/testing';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { twoPodsScenario } from './fixtures/two-pods.js';

describe('two Nest apps on the in-memory fake: LockModule.register({ connection: new InMemoryRedis() })', () => {
  const server = new InMemoryRedis();
  // Each pod its own connection to the same in-memory server, as pods on one Redis.
  twoPodsScenario(() => ({ connection: server.duplicate() }));
});

describe('an InMemoryRedis given as connection', () => {
  it('is used as it is and left open at shutdown', async () => {
    const connection = new InMemoryRedis();
    const app = await Test.createTestingModule({ imports: [LockModule.register({ connection })] }).compile();
    const lock = app.get(LockService);
    expect(await lock.isLockOwner()).toBe(true);
    await lock.set('k', 'v');
    await app.close();
    expect(connection.status).toBe('ready');
    expect(await connection.get('k')).toBe('v');
    expect(await connection.get(ownerKeys('', 'default').lock)).toBeNull(); // the ownership was released
  });
});
