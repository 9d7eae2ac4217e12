// Fourth review, of e7c9a79 (owner-lock.ts #claim: "a claim finding a term of its own holding returns
// before confirming"). The early return only covers a term that is *held*. A term that is resigning
// (election.stop(): release() called, its unfenced release.lua on the wire, but still the queue's holder)
// reads isHeld() false, so a claim whose reply lands in that window falls through to the old path: its
// reply ("found already ours", `remaining` = the term's PTTL) looks fresh, no confirmation is sent, and it
// adopts a sticky keeper counting from the term's expiry. The term's release, sent after the claim and run
// by Redis after it, frees the lock by token alone (no fence), i.e. the very hold the keeper now relies on.
// The pod believes it owns the namespace (its keeper isHeld(), deadline ~leaseTtl ahead, isLockOwner()
// answered true and ifLockOwner() work runs) while Redis holds nothing, and another pod is made owner.
// Invariants broken: (1) Redis's expiry for a hold (here: freed) is before the local deadline of a lease of
// that pod that believes it holds it; two pods' owner work overlaps. (4) a release (the term's) frees a
// hold that another lease of the same pod (the claim's keeper) relies on.
// Fixed: a claim that finds a lease of its own client ending (released, or past its deadline) waits for
// that end and claims again, so no keeper is adopted on a hold the ending lease's release frees.
import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis, ownerKeys } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clients, closeAll } from '../fake-time.js';
import { linked, OwnTimers } from '../properties/link.js';

afterEach(closeAll);

describe('fourth review: a claim answered while the pod’s own term resigns', () => {
  it('the keeper it adopts is not freed by the term’s release; no other pod owns while a’s owner work runs', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const server = new InMemoryRedis();
    const keys = ownerKeys('tr4:', 'ns');
    const d = 5;
    const sent: string[] = [];
    const a = new LockClient({
      redis: linked(server.duplicate(), { request: d, reply: d, message: d }, new OwnTimers(), (c) =>
        sent.push(c),
      ),
      namespace: 'ns',
      keyPrefix: 'tr4:',
      instanceId: 'a',
      ownerTtl: 3_000,
    });
    const lostA: string[] = [];
    a.on('error', () => {});
    a.on('lost', (_k, err) => lostA.push(err.reason));
    const b = new LockClient({
      redis: server.duplicate(),
      namespace: 'ns',
      keyPrefix: 'tr4:',
      instanceId: 'b',
      ownerTtl: 3_000,
    });
    b.on('error', () => {});
    clients.push(a, b);

    // a's election starts (a config reload will stop it right after it wins: onElected stops it).
    let election: ReturnType<LockClient['elect']> | undefined;
    let stopped: Promise<void> | undefined;
    election = a.elect({
      leaseTtl: 3_000,
      renewDeadline: 2_000,
      retryPeriod: 500,
      onElected: () => {
        stopped = election?.stop();
      },
    });
    // 1 ms later a's @OwnerOnly cron asks for the ownership: its claim runs in Redis after the campaign's
    // attempt, finds the lock already 'a''s and re-stamps it; its reply comes back after the term began.
    await vi.advanceTimersByTimeAsync(1);
    let aWorking = false;
    const aWork = a.ifLockOwner(async () => {
      aWorking = true;
      await new Promise((r) => setTimeout(r, 1_000));
      aWorking = false;
      return 'done';
    });
    await vi.advanceTimersByTimeAsync(30);
    expect(stopped).toBeDefined();
    await stopped;
    // a's work runs: a was told it owns the namespace (sticky ownership, renewed in the background).
    expect(aWorking).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    const inRedis = await server.get(keys.lock);
    const bOwns = await b.isLockOwner();
    const overlap = bOwns && aWorking;
    await vi.advanceTimersByTimeAsync(1_500);
    expect(await aWork).toBe('done');
    expect({ inRedis, bOwnsWhileAWorks: overlap, lostA }).toEqual({
      inRedis: 'a',
      bOwnsWhileAWorks: false,
      lostA: [],
    });
  });
});
