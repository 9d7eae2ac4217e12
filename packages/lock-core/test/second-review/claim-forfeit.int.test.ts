// Second review: an isLockOwner() claim answered "not acquired" forfeits whatever lease the queue holds when the
// reply arrives, even one its own election was granted after the claim ran.
import type { LockLostError } from '@edirect/lock-core';
import { ownerKeys } from '@edirect/lock-core/testing';
import { type FaultProxy, startFaultProxy } from '@internal/redis-server';
import { podFactory, redisUrl, sleep } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';

let proxy: FaultProxy | undefined;
// Registered first, so it runs after the pods are closed (after-hooks run last-registered first).
afterAll(() => proxy?.close());
const pods = podFactory({ label: 'review2-forfeit' });
const { prefix } = pods;

const client = (redis: Redis, instanceId: string) => pods.podOn(redis, { namespace: 'ns', instanceId });

describe('second review: a late "not acquired" claim reply', () => {
  it('does not end the term its own election was granted after the claim ran', async () => {
    const url = new URL(redisUrl());
    proxy = await startFaultProxy({ target: { host: url.hostname, port: Number(url.port) } });
    const aRedis = new Redis(proxy.url);
    await aRedis.ping();
    const observer = new Redis(redisUrl());
    pods.own(observer);
    const a = client(aRedis, 'a');
    const b = client(new Redis(redisUrl()), 'b');
    const lost: string[] = [];
    a.on('lost', (_k, err: LockLostError) => lost.push(err.reason));
    const timings = { leaseTtl: 20_000, renewDeadline: 10_000, retryPeriod: 200 };
    let aTerms = 0;
    let aRevoked = 0;
    const eb = b.elect(timings);
    await vi.waitFor(() => expect(eb.isLeader).toBe(true));
    const ea = a.elect({ ...timings, onElected: () => void aTerms++, onRevoked: () => void aRevoked++ });
    await vi.waitFor(async () => expect(await observer.llen(ownerKeys(prefix, 'ns').queue)).toBe(1));

    const cmd = proxy.list().find((c) => c.clientPort === aRedis.stream.localPort);
    cmd?.delay(300); // a's commands: run at +300 ms, answered at +600 ms; its grants (subscriber) are prompt
    const claim = a.isLockOwner(); // runs while b leads: "not acquired", answered late
    await sleep(400);
    // b resigns: the lease is handed to a's election, which leads once a renewal over its slow link
    // confirmed the grant (an owner lease's grants always are)
    await eb.stop();
    await vi.waitFor(() => expect(ea.isLeader).toBe(true), { timeout: 3_000 });
    expect(await claim).toBe(false);
    cmd?.delay(0);
    await sleep(300);
    // Fails: the claim's late reply forfeited the term a had just been granted ('taken'): onRevoked, and a
    // second term after a re-campaign.
    expect({ lost, aTerms, aRevoked }).toEqual({ lost: [], aTerms: 1, aRevoked: 0 });
  });
});
