// Second review: churn over many keys and waiters, then close(): nothing left in Redis, no handle left behind.
import { LockClient } from '@edirect/lock-core';
import { podFactory, redisUrl, sleep } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

const pods = podFactory({ label: 'review2-churn' });
const { prefix } = pods;

const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
const handles = () => ({ sockets: count('TCPSocketWrap'), timers: count('Timeout') });

describe('second review: churn', () => {
  it('300 keys × 3 clients × mixed ttls and waits: exclusive, all served, nothing left behind', async () => {
    const observer = new Redis(redisUrl());
    pods.own(observer);
    await observer.ping();
    const baseline = handles();
    const redisOf = () => {
      const r = new Redis(redisUrl());
      pods.own(r);
      return r;
    };
    const rs = [redisOf(), redisOf(), redisOf()];
    const clients = rs.map((redis) => new LockClient({ redis, keyPrefix: prefix, fallbackPoll: 200 }));
    const errors: unknown[] = [];
    for (const c of clients) c.on('error', (e) => errors.push(e));
    const inside = new Map<string, number>();
    let violations = 0;
    let done = 0;
    let timeouts = 0;
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < 1_500; i++) {
      const key = `k${i % 300}`;
      const c = clients[i % 3] as LockClient;
      const ttl = [200, 1_000, 30_000][i % 3] as number;
      jobs.push(
        c
          .withLock(
            key,
            async () => {
              inside.set(key, (inside.get(key) ?? 0) + 1);
              if ((inside.get(key) ?? 0) > 1) violations++;
              await sleep(i % 4);
              inside.set(key, (inside.get(key) ?? 0) - 1);
              done++;
            },
            { ttl, waitTimeout: i % 7 === 0 ? 5 : undefined },
          )
          .catch((e: unknown) => {
            if ((e as Error).name === 'LockTimeoutError') timeouts++;
            else throw e;
          }),
      );
    }
    await Promise.all(jobs);
    expect(violations).toBe(0);
    expect(done + timeouts).toBe(1_500);
    await sleep(300);
    const left = await observer.keys(`${prefix}lock:*`);
    expect(left.filter((k) => !k.endsWith(':fence'))).toEqual([]);
    await Promise.all(clients.map((c) => c.close()));
    for (const r of rs) await r.quit();
    await sleep(100);
    const after = handles();
    expect(after.sockets).toBe(baseline.sockets);
    expect(after.timers).toBeLessThanOrEqual(baseline.timers);
    expect(errors).toEqual([]);
  }, 60_000);
});
