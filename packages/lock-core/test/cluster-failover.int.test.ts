import { LockLostError } from '@edirect/lock-core';
import { lockKeys } from '@edirect/lock-core/testing';
import { type RedisCluster, type RedisServer, startRedisCluster } from '@internal/redis-server';
import { podFactory } from '@internal/test-harness';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clusterClientOptions } from './contract/cluster-backend.js';

// A cluster of its own (3 masters, 1 replica each), because this file kills a master. A node timeout of
// 1.5 s: failovers take ~3 s, yet a loaded machine does not fail a node over by mistake.
let cluster: RedisCluster;
const pods = podFactory({
  label: 'failover',
  connect: () => {
    const redis = new Cluster([...cluster.startupNodes], clusterClientOptions);
    redis.on('error', () => {}); // the app's connection: its reconnect noise is the app's to log
    return redis;
  },
});
const { prefix, errors } = pods;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeout: 1_500 });
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await pods.closeAll();
  await cluster?.stop();
});

const pod = () => pods.pod();

const lockKey = (name: string): string => lockKeys(prefix, name).lock;

/** A lock name whose slot `want(master)` accepts. */
async function nameOn(label: string, want: (master: RedisServer) => boolean): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const name = `${label}-${i}`;
    if (want(await cluster.masterOf(lockKey(name)))) return name;
  }
  throw new Error(`no name for ${label}`);
}

function aborted(signal: AbortSignal): Promise<number> {
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(performance.now()), { once: true }),
  );
}

describe('the master of a lock’s slot is killed (its replica is promoted)', () => {
  it('short leases there abort, waiters get the lock after the failover, replicated leases survive, nothing crashes', async () => {
    const a = pod();
    const b = pod();
    const c = pod();
    const victim = await cluster.masterOf(lockKey('short'));
    const survivorKey = await nameOn('survivor', (m) => m === victim);
    const elsewhereKey = await nameOn('elsewhere', (m) => m !== victim);

    // Renewed every 333 ms; with its shard away it cannot be, and a failover takes 2 s at the very least.
    const short = await a.client.acquire('short', { ttl: 1_000 });
    // Acknowledged by the replica before it is handed out, so the promoted replica has it.
    const survivor = await a.client.acquire(survivorKey, { ttl: 10_000, waitReplicas: 1 });
    const elsewhere = await a.client.acquire(elsewhereKey, { ttl: 10_000 });
    const waiting = b.client.acquire('short', { waitTimeout: 25_000 });
    await vi.waitFor(async () => expect(await c.redis.llen(`${lockKey('short')}:queue`)).toBe(1), {
      timeout: 10_000,
    });

    const shortLost = aborted(short.signal);
    const killedAt = performance.now();
    await cluster.kill(victim);

    const lostAt = await shortLost;
    expect(short.signal.reason).toBeInstanceOf(LockLostError);
    expect(lostAt - killedAt).toBeLessThan(1_000 + 1_000); // by its local deadline, with margin
    expect(short.isHeld()).toBe(false);

    // The waiter was queued on the dead master; the promoted replica has its entry and serves it.
    const next = await waiting;
    const gotAt = performance.now();
    expect(next.isHeld()).toBe(true);
    expect(next.fence).toBeGreaterThan(short.fence);
    await cluster.waitUntilHealthy();
    const promoted = await cluster.masterOf(lockKey('short'));
    expect(promoted).not.toBe(victim);
    console.log(
      `[failover] lease lost ${Math.round(lostAt - killedAt)} ms after the kill; waiter served after ${Math.round(gotAt - killedAt)} ms`,
    );

    // The replicated lease lived through it: renewed on the promoted replica, still exclusive.
    await survivor.extend();
    expect(survivor.isHeld()).toBe(true);
    expect(survivor.signal.aborted).toBe(false);
    expect(await c.redis.get(lockKey(survivorKey))).toBe(survivor.token);
    expect(await c.client.tryAcquire(survivorKey)).toBeNull();
    expect(elsewhere.isHeld()).toBe(true);

    expect(await next.release()).toBe(true);
    expect(await survivor.release()).toBe(true);
    expect(await elsewhere.release()).toBe(true);
    // The outage was reported as 'error' events, never thrown from a timer or left unhandled.
    expect(errors.length).toBeGreaterThan(0);
    expect(unhandled).toEqual([]);
  });
});
