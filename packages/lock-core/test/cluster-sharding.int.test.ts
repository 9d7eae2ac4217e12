import { type Lease, LockClient, type LockClientOptions, LockReplicationError } from '@edirect/lock-core';
import { lockKeys } from '@edirect/lock-core/testing';
import {
  commandStats,
  countingRoundTrips,
  infoFields,
  perOperation,
  type RedisCluster,
  redisCommand,
  resetCommandStats,
  startRedisCluster,
} from '@internal/redis-server';
import { deleteKeys, podFactory, redisUrl } from '@internal/test-harness';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clusterClientOptions } from './contract/cluster-backend.js';

// One cluster (3 masters, 1 replica each) for the file: how notifications and WAIT are routed on it,
// and what an acquisition costs there.
let cluster: RedisCluster;
const pods = podFactory({
  label: 'sharding',
  connect: () => new Cluster([...cluster.startupNodes], clusterClientOptions),
});
const { prefix, errors } = pods;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
});
afterAll(async () => {
  await pods.closeAll();
  await cluster?.stop();
});

const pod = (options: Partial<LockClientOptions> = {}, wrap?: (c: Cluster) => Cluster) =>
  pods.pod(options, wrap as ((c: Cluster) => Cluster) | undefined);

/** The cluster bus's message counters of every node, by port. */
async function busCounters(): Promise<Map<number, Map<string, string>>> {
  const all = new Map<number, Map<string, string>>();
  for (const node of cluster.nodes) {
    all.set(node.port, infoFields(await redisCommand(node.port, ['CLUSTER', 'INFO'])));
  }
  return all;
}

function received(before: Map<string, string>, after: Map<string, string>, type: string): number {
  const field = `cluster_stats_messages_${type}_received`;
  return Number(after.get(field) ?? 0) - Number(before.get(field) ?? 0);
}

/** A handoff from `a` to `b` on `key`: `b` queued behind `a`'s lease, then `a` releases. */
async function handoff(a: LockClient, b: LockClient, redis: Cluster, key: string): Promise<Lease> {
  const first = await a.acquire(key);
  const pending = b.acquire(key);
  await vi.waitFor(async () => expect(await redis.llen(lockKeys(prefix, key).queue)).toBe(1), {
    timeout: 10_000,
  });
  await first.release();
  return pending;
}

async function masters(): Promise<number[]> {
  return (await cluster.topology()).filter((n) => n.role === 'master' && !n.failed).map((n) => n.port);
}

describe('pub/sub on a Redis Cluster', () => {
  it("'auto' uses sharded pub/sub: a handoff's grant stays on the lock's shard", async () => {
    const a = pod();
    const b = pod();
    const key = 'sharded';
    const master = await cluster.masterOf(lockKeys(prefix, key).lock);
    const shard = new Set([master.port, ...(await cluster.replicasOf(master)).map((r) => r.port)]);
    const before = await busCounters();
    const lease = await handoff(a.client, b.client, a.redis, key);
    expect(lease.isHeld()).toBe(true);
    // SPUBLISH from inside the release script reaches the shard's replica over the bus, after the reply:
    // wait until it has, then no node outside the shard may have heard anything.
    const replicas = [...shard].filter((port) => port !== master.port);
    let after = await busCounters();
    const replicaHeard = async () => {
      after = await busCounters();
      return Math.min(
        ...replicas.map((port) =>
          received(
            before.get(port) as Map<string, string>,
            after.get(port) as Map<string, string>,
            'publishshard',
          ),
        ),
      );
    };
    await expect.poll(replicaHeard, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(1);
    for (const node of cluster.nodes) {
      const b0 = before.get(node.port) as Map<string, string>;
      const a0 = after.get(node.port) as Map<string, string>;
      expect(received(b0, a0, 'publish'), `classic messages at :${node.port}`).toBe(0);
      if (!shard.has(node.port)) {
        expect(received(b0, a0, 'publishshard'), `shard messages at :${node.port}`).toBe(0);
      }
    }
    await lease.release();
  });

  it("'classic' works on a Cluster too, but the grant is broadcast beyond the lock's shard", async () => {
    const a = pod({ pubsub: 'classic' });
    const b = pod({ pubsub: 'classic' });
    const before = await busCounters();
    const lease = await handoff(a.client, b.client, a.redis, 'classic');
    const master = await cluster.masterOf(lockKeys(prefix, 'classic').lock);
    const shard = new Set([master.port, ...(await cluster.replicasOf(master)).map((r) => r.port)]);
    // The bus carries the message after the reply; on a loaded machine a node may lag or be suspected for
    // a while, so the test waits for nodes outside the shard (which sharded pub/sub never reaches) to hear it.
    const heardOutsideShard = async () => {
      const after = await busCounters();
      return cluster.nodes
        .filter((node) => !shard.has(node.port))
        .filter(
          (node) =>
            received(
              before.get(node.port) as Map<string, string>,
              after.get(node.port) as Map<string, string>,
              'publish',
            ) >= 1,
        ).length;
    };
    await expect.poll(heardOutsideShard, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(1);
    await lease.release();
  });
});

describe('sharded pub/sub on a single Redis 7', () => {
  it("pubsub: 'sharded' on a plain connection: SSUBSCRIBE on a duplicate, SPUBLISH from the script", async () => {
    const made: Array<{ client: LockClient; redis: Redis }> = [];
    const single = () => {
      const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
      const client = new LockClient({ redis, keyPrefix: prefix, pubsub: 'sharded' });
      client.on('error', (err) => errors.push(err));
      made.push({ client, redis });
      return { client, redis };
    };
    const a = single();
    const b = single();
    const held = await a.client.acquire('single');
    const pending = b.client.acquire('single');
    await vi.waitFor(async () => expect(await a.redis.llen(lockKeys(prefix, 'single').queue)).toBe(1), {
      timeout: 10_000,
    });
    const channels = (await a.redis.call('PUBSUB', 'SHARDCHANNELS', `${prefix}*`)) as string[];
    expect(channels).toHaveLength(1);
    await held.release();
    const lease = await pending;
    expect(lease.fence).toBeGreaterThan(held.fence);
    await lease.release();
    for (const { client, redis } of made) {
      await client.close();
      await deleteKeys(redis, prefix);
      redis.disconnect();
    }
  });
});

describe('waitReplicas on a Redis Cluster', () => {
  it('WAIT goes to the master of the lock’s slot: 1 replica acknowledges, 2 cannot', async () => {
    const a = pod();
    const b = pod();
    // No master knows the scripts: the pipelined EVALSHA fails NOSCRIPT and is sent again as EVAL, WAIT too.
    await Promise.all((await masters()).map((port) => redisCommand(port, ['SCRIPT', 'FLUSH'])));
    const lease = await a.client.tryAcquire('replicated', { waitReplicas: 1, replicationTimeout: 2_000 });
    expect(lease?.isHeld()).toBe(true);
    await lease?.release();

    const err = await a.client
      .tryAcquire('replicated', { waitReplicas: 2, replicationTimeout: 200 })
      .catch((e: unknown) => e);
    expect(LockReplicationError.isInstance(err)).toBe(true);
    expect(err).toMatchObject({ code: 'REPLICATION_FAILED', wanted: 2, acknowledged: 1 });
    // Given back before the error was thrown.
    expect(await a.redis.exists(lockKeys(prefix, 'replicated').lock)).toBe(0);
    const next = await b.client.acquire('replicated', { waitReplicas: 1, waitTimeout: 2_000 });
    expect(next.isHeld()).toBe(true);
    await next.release();
  });
});

describe('cost of one acquisition on a Redis Cluster (measured)', () => {
  it('uncontended tryAcquire + release: 2 round trips, 2 EVALSHA on the slot’s master', async () => {
    let counter: ReturnType<typeof countingRoundTrips<Cluster>> | undefined;
    const a = pod({}, (redis) => {
      counter = countingRoundTrips(redis);
      return counter.redis;
    });
    const n = 20;
    // Once unmeasured: every master has the scripts cached and the client knows the slots.
    for (let i = 0; i < n; i++) await (await a.client.tryAcquire(`cost-${i}`))?.release();
    const ports = await masters();
    await resetCommandStats(ports);
    const trips = counter?.roundTrips() ?? 0;
    for (let i = 0; i < n; i++) {
      const lease = await a.client.tryAcquire(`cost-${i}`);
      await lease?.release();
    }
    const per = perOperation(await commandStats(ports), n);
    const roundTrips = ((counter?.roundTrips() ?? 0) - trips) / n;
    console.log('[cost] cluster tryAcquire+release', { roundTrips, ...per });
    expect(roundTrips).toBe(2);
    expect(per.evalsha).toBe(2);
    expect(per.spublish ?? 0).toBe(0); // nobody waits: nothing is published
  });

  it('a contended handoff: the waiter subscribes once on its shard; the release publishes once', async () => {
    const a = pod();
    const b = pod();
    const ports = await masters();
    await (await handoff(a.client, b.client, a.redis, 'contended-warm')).release();
    await resetCommandStats(ports);
    const lease = await handoff(a.client, b.client, a.redis, 'contended');
    await lease.release();
    const stats = await commandStats(ports);
    console.log('[cost] cluster handoff (acquire, wait, release to waiter, release)', stats);
    expect(stats.spublish).toBe(1);
    expect(stats.ssubscribe).toBe(1);
    expect(stats.publish ?? 0).toBe(0);
  });

  it('tryAcquire with waitReplicas: 1: still one round trip (the script and WAIT in one pipeline)', async () => {
    let counter: ReturnType<typeof countingRoundTrips<Cluster>> | undefined;
    const a = pod({}, (redis) => {
      counter = countingRoundTrips(redis);
      return counter.redis;
    });
    const n = 10;
    for (let i = 0; i < n; i++) await (await a.client.tryAcquire(`wait-cost-${i}`))?.release();
    const ports = await masters();
    await resetCommandStats(ports);
    const trips = counter?.roundTrips() ?? 0;
    for (let i = 0; i < n; i++) {
      const lease = await a.client.tryAcquire(`wait-cost-${i}`, { waitReplicas: 1 });
      await lease?.release();
    }
    const per = perOperation(await commandStats(ports), n);
    const roundTrips = ((counter?.roundTrips() ?? 0) - trips) / n;
    console.log('[cost] cluster tryAcquire(waitReplicas 1)+release', { roundTrips, ...per });
    expect(roundTrips).toBe(2);
    expect(per.wait).toBe(1);
    expect(errors).toEqual([]);
  });
});
