// Review (attacker) tests of the owner lease paths, on the in-memory fake.
import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LinkDelays as Link } from '../properties/backend.js';
import { linked } from '../properties/link.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const clients: LockClient[] = [];
function pod(server: InMemoryRedis, opts: Record<string, unknown> = {}, link?: Link): LockClient {
  const c = new LockClient({ redis: link ? linked(server.duplicate(), link) : server.duplicate(), ...opts });
  c.on('error', () => {});
  clients.push(c);
  return c;
}
afterEach(async () => {
  // Bounded: one test shows a close() that never resolves.
  await Promise.all(clients.splice(0).map((c) => Promise.race([c.close(), sleep(500)])));
});

describe('second review: isLockOwner() and elect() on one client', () => {
  it('an election started on the pod that already owns the namespace via isLockOwner() is elected', async () => {
    const server = new InMemoryRedis();
    const a = pod(server, { namespace: 'ns', instanceId: 'a', ownerTtl: 1_000 });
    const b = pod(server, { namespace: 'ns', instanceId: 'b', ownerTtl: 1_000 });
    expect(await a.isLockOwner()).toBe(true); // a owns the namespace (sticky, renewed in the background)
    let electedA = 0;
    let electedB = 0;
    const ea = a.elect({
      leaseTtl: 1_000,
      renewDeadline: 600,
      retryPeriod: 100,
      onElected: () => void electedA++,
    });
    const eb = b.elect({
      leaseTtl: 1_000,
      renewDeadline: 600,
      retryPeriod: 100,
      onElected: () => void electedB++,
    });
    await sleep(1_500);
    // The lease is a's for the whole time (isLockOwner() says so), so a's campaign should lead.
    expect(await a.isLockOwner()).toBe(true);
    expect(await b.getLockOwner()).toBe('a');
    // Nobody leads: a's election waits behind a's own sticky claim lease forever, b's behind a's lease.
    expect({ a: ea.isLeader, b: eb.isLeader, electedA, electedB }).toEqual(
      expect.objectContaining({ a: true, electedA: 1 }),
    );
  });
  it('after a stall ends a term, an isLockOwner() tick does not keep the pod’s own election out for good', async () => {
    const server = new InMemoryRedis();
    const a = pod(server, { namespace: 'ns4', instanceId: 'a', ownerTtl: 1_000 });
    const b = pod(server, { namespace: 'ns4', instanceId: 'b', ownerTtl: 1_000 });
    const timings = { leaseTtl: 1_000, renewDeadline: 600, retryPeriod: 100 };
    const ea = a.elect(timings);
    await sleep(50);
    const eb = b.elect(timings);
    await sleep(100);
    expect(ea.isLeader).toBe(true);
    const until = performance.now() + 700; // the event loop is blocked past renewDeadline (a GC, a sync job)
    while (performance.now() < until) {
      // busy
    }
    expect(await a.isLockOwner()).toBe(true); // an @OwnerOnly() cron tick right after: a still owns it in Redis
    await sleep(2_000);
    // Fails: a's claim lease (sticky) holds the namespace; a's election waits behind it, b's behind a: no leader.
    expect({ a: ea.isLeader, b: eb.isLeader }).not.toEqual({ a: false, b: false });
  });
});

describe('second review: removeLockOwner() and isLockOwner() called together', () => {
  it('a lease being released normally is not reported lost', async () => {
    const server = new InMemoryRedis();
    const a = pod(server, { namespace: 'ns2', instanceId: 'a', ownerTtl: 1_000 });
    const lost: string[] = [];
    a.on('lost', (_key, err) => lost.push(err.reason));
    expect(await a.isLockOwner()).toBe(true);
    // A cron tick asks while shutdown-ish code gives the ownership up (neither awaits the other).
    const removing = a.removeLockOwner();
    const asking = a.isLockOwner();
    await Promise.all([removing, asking]);
    // Fails: claim() sees the released lease as "not held", forfeits it ('expired'), and 'lost' fires.
    expect(lost).toEqual([]);
  });
});

describe('second review: close() and election hooks', () => {
  it('close() resolves within shutdownTimeout even when onRevoked never settles', async () => {
    const server = new InMemoryRedis();
    const a = pod(server, { namespace: 'ns3', instanceId: 'a', shutdownTimeout: 200 });
    const e = a.elect({
      leaseTtl: 1_000,
      renewDeadline: 600,
      retryPeriod: 100,
      onRevoked: () => new Promise<void>(() => {}),
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(e.isLeader).toBe(true);
    const closed = a.close().then(() => 'closed');
    // Fails: the election awaits onRevoked without a bound, so stop() and close() never resolve.
    expect(
      await Promise.race([closed, new Promise((r) => setTimeout(() => r('still open after 2 s'), 2_000))]),
    ).toBe('closed');
  });
});

describe('second review: removeLockOwner() / isLockOwner() / removeLockOwner() while the pod’s election leads', () => {
  // Found by the model test with more runs (PROPERTY_RUNS=20000 PROPERTY_STEPS=80 PROPERTY_SEED=777:
  // I4 "E1 (pod1) leads "ns" but Redis's owner key holds null", classified N3).
  it.each(['fake', 'real'] as const)(
    '%s timers: the election never leads while another pod owns the lease',
    async (timers) => {
      if (timers === 'fake') vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
      const pass = (ms: number) => (timers === 'fake' ? vi.advanceTimersByTimeAsync(ms) : sleep(ms));
      try {
        const server = new InMemoryRedis();
        // a's link as in the model's counterexample: requests take 4 ms, replies 1 ms, messages 4 ms.
        const a = pod(
          server,
          { namespace: 'ns5', instanceId: 'a', ownerTtl: 1_000 },
          { request: 4, reply: 1, message: 4 },
        );
        const b = pod(server, { namespace: 'ns5', instanceId: 'b', ownerTtl: 1_000 });
        const ea = a.elect({ leaseTtl: 1_000, renewDeadline: 600, retryPeriod: 100 });
        await pass(50);
        expect(ea.isLeader).toBe(true);
        // Three calls from different parts of the app, none awaiting the others; meanwhile pod b's cron keeps
        // asking isLockOwner().
        const calls = Promise.all([a.removeLockOwner(), a.isLockOwner(), a.removeLockOwner()]);
        const both: number[] = [];
        for (let t = 0; t < 300; t++) {
          const bOwns = await b.isLockOwner();
          if (bOwns && ea.isLeader) both.push(t);
          await pass(1);
        }
        await calls;
        // Fails: the second removeLockOwner() deletes (by instance id, no fence) the claim the isLockOwner() is
        // about to hand to a's election; b takes the free lease; then a's election starts a term on the
        // claim's win: two leaders until a's next renewal (retryPeriod) finds the lease taken.
        expect(both.length ? `two leaders from ${both[0]} to ${both.at(-1)} ms` : 'never two').toBe(
          'never two',
        );
      } finally {
        await Promise.all(clients.splice(0).map((c) => Promise.race([c.close(), pass(500)])));
        vi.useRealTimers();
      }
    },
  );
});
