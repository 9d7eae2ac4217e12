// Second review: a Redis Cluster (pubsub 'auto' = sharded) whose ioredis Cluster has a keyPrefix: grants never
// reach waiters, every waiter is skipped as dead, and waits fall back to polling out of FIFO order.
import { LockClient } from '@edirect/lock-core';
import { type RedisCluster, startRedisCluster } from '@internal/redis-server';
import { sleep } from '@internal/test-harness';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterClientOptions } from '../contract/cluster-backend.js';

let cluster: RedisCluster;
const conns: Cluster[] = [];
const clients: LockClient[] = [];
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
}, 60_000);
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  for (const r of conns) r.disconnect();
  await cluster?.stop();
});

function pod(fallbackPoll: number, keyPrefix: string | undefined): LockClient {
  const redis = new Cluster([...cluster.startupNodes], {
    ...clusterClientOptions,
    ...(keyPrefix ? { keyPrefix } : {}),
  });
  conns.push(redis);
  const c = new LockClient({ redis, fallbackPoll });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

describe('second review: Cluster with a keyPrefix on the ioredis Cluster', () => {
  it.each([
    ['with', 'cp:'],
    ['without', undefined],
  ] as const)(
    '%s a Cluster keyPrefix: the first waiter is handed the lock at once, in FIFO order',
    async (_label, keyPrefix) => {
      const key = `k-${_label}`;
      const a = pod(1_000, keyPrefix);
      const b = pod(5_000, keyPrefix); // first in line, polls rarely
      const c = pod(50, keyPrefix); // second in line, polls often
      const held = await a.acquire(key, { ttl: 10_000 });
      const order: string[] = [];
      const bp = b.acquire(key, { ttl: 10_000 }).then(async (l) => {
        order.push('b');
        await l.release();
      });
      await sleep(300);
      const cp = c.acquire(key, { ttl: 10_000 }).then(async (l) => {
        order.push('c');
        await l.release();
      });
      await sleep(300);
      const t0 = performance.now();
      await held.release();
      await Promise.race([bp, sleep(3_000)]);
      const fast = performance.now() - t0 < 500;
      await Promise.all([bp, cp]);
      expect({ order, fast }).toEqual({ order: ['b', 'c'], fast: true });
    },
  );
});
