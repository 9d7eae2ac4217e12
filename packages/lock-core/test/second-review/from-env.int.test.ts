// Second review: createLockClientFromEnv() with a value the client refuses.
import { createLockClientFromEnv } from '@edirect/lock-core';
import { redisUrl, sleep } from '@internal/test-harness';
import { describe, expect, it } from 'vitest';

const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

describe('second review: createLockClientFromEnv refusing its input', () => {
  it('a refused NAMESPACE throws without leaving a Redis connection open', async () => {
    const before = sockets();
    expect(() => createLockClientFromEnv({ REDIS_URL: redisUrl(), NAMESPACE: '}bad' })).toThrow(RangeError);
    await sleep(200);
    // Fails: the ioredis connection made before the LockClient refused the namespace is never closed
    // (nobody can reach it to close it, and it keeps the process alive).
    expect(sockets()).toBe(before);
  });
});
