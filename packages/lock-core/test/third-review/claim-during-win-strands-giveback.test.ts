// Third review. The give-back of 0a0014f (a lease lost by its own clock is released on release() if Redis
// still has "that very hold, token and fence") checks the fence against the lock's fence *key*, which is
// the last fence minted, not the fence of the hold. An owner claim (isLockOwner(), acquire.lua how = '')
// that runs while the pod's own election has just won (its attempt's reply still on the wire) finds the
// lock already 'a''s and mints a new fence F2 for the *same* hold; the claim then sees the election's term
// held and returns. The term keeps F1 while Redis's fence key says F2. After a stall ends the term by its
// own clock, its give-back (release with fence F1) matches nothing, and close() resolves with the
// ownership still in Redis for the rest of leaseTtl: README "close() leaves nothing behind ... lost-lease
// 'close() leaves no ownership' after a stall ended a term" (invariant 4 / model I9).
// Fixed: a claim finding the hold of a lease of its own client (the term) returns before any confirmation
// and records the fence it stamped on that hold (Lease.heldUnder); the give-back names it.
import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis, ownerKeys } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { linked, OwnTimers } from '../properties/link.js';

afterEach(() => vi.useRealTimers());

describe('third review: a claim racing the election’s own win', () => {
  it('a term lost by its own clock is still given back: close() leaves no ownership', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const server = new InMemoryRedis();
    const keys = ownerKeys('tr3:', 'ns');
    const d = 5;
    const client = new LockClient({
      redis: linked(server.duplicate(), { request: d, reply: d, message: d }, new OwnTimers()),
      namespace: 'ns',
      keyPrefix: 'tr3:',
      instanceId: 'a',
      ownerTtl: 3_000,
    });
    client.on('error', () => {});
    const lost: string[] = [];
    client.on('lost', (_key, err) => lost.push(err.reason));
    const fences: number[] = [];
    // The pod's election, and its @OwnerOnly cron asking isLockOwner() in the same tick (app start-up).
    const election = client.elect({
      leaseTtl: 3_000,
      renewDeadline: 2_000,
      retryPeriod: 500,
      onElected: (t) => void fences.push(t.fence),
    });
    const owns = client.isLockOwner();
    await vi.advanceTimersByTimeAsync(30);
    expect(await owns).toBe(true);
    expect(election.isLeader).toBe(true);
    const fenceKey = Number(await server.get(keys.fence));
    // Diagnostic: the term's fence is no longer the fence key's (the claim minted one for the same hold).
    expect({ term: fences, fenceKeyAbove: fenceKey > (fences[0] ?? 0) }).toEqual({
      term: [expect.any(Number)],
      fenceKeyAbove: true,
    });
    // As in lost-lease.test.ts: close(), and a stall before the resignation is sent.
    const closing = client.close();
    vi.advanceTimersByTime(2_000);
    await vi.advanceTimersByTimeAsync(50);
    await closing;
    expect(lost).toEqual(['expired']);
    expect({ holder: await server.get(keys.lock), pttl: await server.pttl(keys.lock) }).toEqual({
      holder: null,
      pttl: -2,
    });
  });
});
