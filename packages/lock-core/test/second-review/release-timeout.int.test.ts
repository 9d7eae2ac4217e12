import { lockKeys } from '@edirect/lock-core/testing';
import { type FaultProxy, startFaultProxy } from '@internal/redis-server';
import { podFactory, redisUrl, sleep } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

let proxy: FaultProxy | undefined;
// Registered first, so it runs after the pods are closed (after-hooks run last-registered first).
afterAll(() => proxy?.close());
const pods = podFactory({ label: 'review2-reltimeout' });
const { prefix } = pods;

describe('second review: release reply lost', () => {
  it('a local waiter behind a holder whose release timed out is still served', async () => {
    const url = new URL(redisUrl());
    proxy = await startFaultProxy({ target: { host: url.hostname, port: Number(url.port) } });
    const aRedis = new Redis(proxy.url, { commandTimeout: 150, maxRetriesPerRequest: 1 });
    const bRedis = new Redis(redisUrl());
    await aRedis.ping();
    const a = pods.podOn(aRedis);
    const b = pods.podOn(bRedis);
    const k = 'k';

    const held = await b.acquire(k, { ttl: 2_000, autoExtend: false });
    const a1p = a.acquire(k, { ttl: 2_000, autoExtend: false }); // queues in Redis, subscribes
    await sleep(100);
    let a2: unknown;
    const a2p = a.acquire(k, { ttl: 2_000, autoExtend: false }).then((l) => {
      a2 = l;
      return l;
    });
    a2p.catch(() => {}); // second local waiter (rejected by close() when it never got the lock)
    await sleep(50);
    await held.release(); // hands the lock to a's first waiter
    const a1 = await a1p;

    // a's command connection (not its subscriber) gets slow: 200 ms each way, above commandTimeout.
    const cmd = proxy.list().find((c) => c.clientPort === aRedis.stream.localPort);
    cmd?.delay(200);
    const released = await a1.release().then(
      (v) => v,
      (e: unknown) => e,
    );
    expect(String(released)).toMatch(/timed out/i);
    cmd?.delay(0);

    // Redis hands the lock to a's second waiter (the release ran, only its reply was late)...
    await sleep(600);
    const holder = await bRedis.get(lockKeys(prefix, k).lock);
    // ...but a2's acquire() never settles: nobody kicks the key queue after the failed release.
    await sleep(3_000);
    expect({ holder: holder !== null, a2Settled: a2 !== undefined }).toEqual({
      holder: true,
      a2Settled: true,
    });
    await (
      (await Promise.race([a2p, sleep(10)])) as { release?: () => Promise<boolean> } | undefined
    )?.release?.();
  });
});
