import { ownerKeys } from '@edirect/lock-core/testing';
import { podFactory, sleep } from '@internal/test-harness';
import { describe, expect, it } from 'vitest';

const { pod, prefix } = podFactory({ label: 'owner' });
let n = 0;
const namespace = () => `ns-${++n}`;

describe('owner lock: the original isLockOwner() cron pattern', () => {
  it('on every tick exactly one pod is owner, the same one while it lives; then another takes over', async () => {
    const ns = namespace();
    const pods = [0, 1, 2].map((i) => pod({ namespace: ns, instanceId: `pod-${i}`, ownerTtl: 1_000 }).client);
    const owners: string[] = [];
    for (let tick = 0; tick < 8; tick++) {
      const answers = await Promise.all(pods.map((p) => p.isLockOwner()));
      expect(answers.filter(Boolean)).toHaveLength(1);
      owners.push(pods[answers.indexOf(true)]?.instanceId as string);
      await sleep(200); // beyond ownerTtl by the end: ownership is renewed in the background
    }
    expect(new Set(owners).size).toBe(1);
    const owner = pods.find((p) => p.instanceId === owners[0]);
    await owner?.close(); // releases the ownership at once
    const rest = pods.filter((p) => p !== owner);
    const answers = await Promise.all(rest.map((p) => p.isLockOwner()));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('different namespaces elect independently', async () => {
    const a = pod({ namespace: namespace() }).client;
    const b = pod({ namespace: namespace() }).client;
    expect(await a.isLockOwner()).toBe(true);
    expect(await b.isLockOwner()).toBe(true);
  });

  it('setLockOwner never steals a live lease; getLockOwner says who holds it', async () => {
    const ns = namespace();
    const a = pod({ namespace: ns, instanceId: 'a' }).client;
    const b = pod({ namespace: ns, instanceId: 'b' }).client;
    expect(await a.getLockOwner()).toBeNull();
    expect(await a.setLockOwner()).toBe('a');
    expect(await b.setLockOwner()).toBe('a');
    expect(await b.getLockOwner()).toBe('a');
    expect(await b.isLockOwner()).toBe(false);
  });

  it('removeLockOwner from a non-owner leaves the owner untouched; from the owner frees it', async () => {
    const ns = namespace();
    const a = pod({ namespace: ns, instanceId: 'a' }).client;
    const b = pod({ namespace: ns, instanceId: 'b' }).client;
    await a.setLockOwner();
    await b.removeLockOwner();
    expect(await b.getLockOwner()).toBe('a');
    await a.removeLockOwner();
    expect(await a.getLockOwner()).toBeNull();
    expect(await b.isLockOwner()).toBe(true);
  });

  it('ownership taken behind the owner’s back: the old owner says false and stops renewing', async () => {
    const ns = namespace();
    const { client: a, redis } = pod({ namespace: ns, instanceId: 'a', ownerTtl: 600 });
    const b = pod({ namespace: ns, instanceId: 'b', ownerTtl: 600 }).client;
    expect(await a.isLockOwner()).toBe(true);
    await redis.del(ownerKeys(prefix, ns).lock);
    expect(await b.isLockOwner()).toBe(true);
    expect(await a.isLockOwner()).toBe(false);
    await sleep(700); // past a's renewal period and b's ttl: b keeps it, a never took it back
    expect(await a.getLockOwner()).toBe('b');
  });
});

describe('owner lock and elect() on one client', () => {
  it('a lease won by isLockOwner() while the same client campaigns goes to its election', async () => {
    const ns = namespace();
    const a = pod({ namespace: ns, instanceId: 'a' }).client;
    const b = pod({ namespace: ns, instanceId: 'b' }).client;
    expect(await a.isLockOwner()).toBe(true);
    let elected = 0;
    const election = b.elect({
      leaseTtl: 1_500,
      renewDeadline: 1_000,
      retryPeriod: 300,
      onElected: () => void elected++,
    });
    await sleep(100);
    await a.close();
    expect(await b.isLockOwner()).toBe(true);
    await expect.poll(() => election.isLeader, { timeout: 2_000 }).toBe(true);
    expect(elected).toBe(1);
    expect(await b.getLockOwner()).toBe('b');
    await election.stop();
  });
});
