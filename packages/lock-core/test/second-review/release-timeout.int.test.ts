// Second review: a release whose reply never comes back (ioredis commandTimeout while Redis is slow for this
// connection) leaves the releasing client's next local waiter waiting forever.
import { LockClient } from '@edirect/lock-core';
import { lockKeys } from '@edirect/lock-core/testing';
import { type FaultProxy, startFaultProxy } from '@internal/redis-server';
import { deleteKeys, redisUrl, sleep, testPrefix } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

const prefix = testPrefix('review2-reltimeout');
const conns: Redis[] = [];
const clients: LockClient[] = [];
let proxy: FaultProxy | undefined;
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  for (const r of conns) r.disconnect();
  await proxy?.close();
  const cleaner = new Redis(redisUrl());
  await deleteKeys(cleaner, prefix);
  cleaner.disconnect();
});

describe('second review: release reply lost', () => {
  it('a local waiter behind a holder whose release timed out is still served', async () => {
    const url = new URL(redisUrl());
    proxy = await startFaultProxy({ target: { host: url.hostname, port: Number(url.port) } });
    const aRedis = new Redis(proxy.url, { commandTimeout: 150, maxRetriesPerRequest: 1 });
    const bRedis = new Redis(redisUrl());
    conns.push(aRedis, bRedis);
    await aRedis.ping();
    const errors: unknown[] = [];
    const a = new LockClient({ redis: aRedis, keyPrefix: prefix });
    const b = new LockClient({ redis: bRedis, keyPrefix: prefix });
    clients.push(a, b);
    a.on('error', (e) => errors.push(e));
    b.on('error', (e) => errors.push(e));
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
