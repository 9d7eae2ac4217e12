import { lockKeys } from '@edirect/lock-core/testing';
import { type FaultProxy, startFaultProxy } from '@internal/redis-server';
import { podFactory, redisUrl, sleep } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

let proxy: FaultProxy | undefined;
// Registered first, so it runs after the pods are closed (after-hooks run last-registered first).
afterAll(() => proxy?.close());
const pods = podFactory({ label: 'review2-resend' });
const { prefix } = pods;

describe('second review: a resent quick acquire', () => {
  it('an uncontended acquire() whose reply is lost to a reset is not stuck behind its own token for the ttl', async () => {
    const url = new URL(redisUrl());
    proxy = await startFaultProxy({ target: { host: url.hostname, port: Number(url.port) } });
    const redis = new Redis(proxy.url); // ioredis defaults: resends unanswered commands after a reconnect
    const observer = new Redis(redisUrl());
    pods.own(observer);
    redis.on('error', () => {});
    await redis.ping();
    const a = pods.podOn(redis);
    const k = 'k';
    const cmd = proxy.list().find((c) => c.clientPort === redis.stream.localPort);
    cmd?.delay(200); // the script reaches Redis after 200 ms; its reply would be back after 400 ms
    const t0 = performance.now();
    const pending = a.acquire(k, { ttl: 6_000 });
    await sleep(300);
    const ownerBeforeReset = await observer.get(lockKeys(prefix, k).lock);
    cmd?.reset(); // the reply is lost; ioredis reconnects and sends the script again
    const lease = await pending;
    const took = performance.now() - t0;
    expect(ownerBeforeReset).not.toBeNull(); // the first run took the lock
    expect(lease.isHeld()).toBe(true);
    // Fails: the second run said "held by <our own token>", and acquire() waited for that token to expire.
    expect(Math.round(took)).toBeLessThan(2_000);
    await lease.release();
  });
});
