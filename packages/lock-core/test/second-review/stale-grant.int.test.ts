// Second review: an owner lease's queue entries all carry the same token (the instance id), so a grant that
// arrives late (a slow subscriber connection) is taken for the entry queued now: a second term starts on
// a stale grant, with an older fence, while another instance leads.
import type { LockClient } from '@edirect/lock-core';
import { ownerKeys } from '@edirect/lock-core/testing';
import { type FaultProxy, startFaultProxy } from '@internal/redis-server';
import { podFactory, redisUrl, sleep } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';

let proxy: FaultProxy | undefined;
// Registered first, so it runs after the pods are closed (after-hooks run last-registered first).
afterAll(() => proxy?.close());
const pods = podFactory({ label: 'review2-stale' });
const { prefix } = pods;

const client = (redis: Redis, instanceId: string) => pods.podOn(redis, { namespace: 'ns', instanceId });

const timings = { leaseTtl: 3_000, renewDeadline: 2_000, retryPeriod: 100 };

describe('second review: a late grant of the owner lease', () => {
  it('never starts a term while another instance leads, and term fences never go backwards', async () => {
    const url = new URL(redisUrl());
    proxy = await startFaultProxy({ target: { host: url.hostname, port: Number(url.port) } });
    const aRedis = new Redis(proxy.url);
    await aRedis.ping();
    const observer = new Redis(redisUrl());
    pods.own(observer);
    const a = client(aRedis, 'a');
    const b = client(new Redis(redisUrl()), 'b');
    const c = client(new Redis(redisUrl()), 'c');
    const queueKey = ownerKeys(prefix, 'ns').queue;

    const terms: Array<{ who: string; fence: number; othersLeading: string[] }> = [];
    const elections: Record<string, ReturnType<LockClient['elect']>> = {};
    const leading = (me: string) =>
      Object.entries(elections)
        .filter(([who, e]) => who !== me && e.isLeader)
        .map(([who]) => who);
    const elect = (who: string, cl: LockClient) => {
      elections[who] = cl.elect({
        ...timings,
        onElected: (term) => {
          terms.push({ who, fence: term.fence, othersLeading: leading(who) });
        },
      });
    };

    elect('b', b);
    await vi.waitFor(() => expect(elections.b?.isLeader).toBe(true));
    elect('a', a);
    await vi.waitFor(async () => expect(await observer.llen(queueKey)).toBe(1));
    elect('c', c);
    await vi.waitFor(async () => expect(await observer.llen(queueKey)).toBe(2));

    // a's subscriber connection (not its command connection) turns slow: grants reach a 1 s late.
    const sub = proxy.list().find((conn) => conn.clientPort !== aRedis.stream.localPort && conn.open);
    expect(sub).toBeDefined();
    sub?.delay(1_000);

    await elections.b?.stop(); // b resigns: the lease is handed to a, and its grant is on its way, slowly
    // a learns of it from its next poll's reply instead, and leads.
    await vi.waitFor(() => expect(elections.a?.isLeader).toBe(true), { timeout: 900 });
    await a.removeLockOwner(); // a gives it up: handed to c; a campaigns again, queued behind c
    await vi.waitFor(() => expect(elections.c?.isLeader).toBe(true), { timeout: 500 });
    await sleep(1_500); // the stale grant for a's first term arrives now

    // Fails: a second term of a begins on the stale grant (fence of b's handoff, below a's first term's),
    // while c leads.
    expect(
      terms.filter((t) => t.othersLeading.length > 0),
      JSON.stringify(terms),
    ).toEqual([]);
    const aFences = terms.filter((t) => t.who === 'a').map((t) => t.fence);
    expect(aFences).toEqual([...aFences].sort((x, y) => x - y));
  });
});
