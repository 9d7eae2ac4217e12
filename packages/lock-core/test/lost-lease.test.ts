// A lease lost by its own clock (its local deadline passed: a stall) while Redis may still hold it.
import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis, ownerKeys } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => vi.useRealTimers());

describe('a lease lost by its own clock', () => {
  // Found by the model (seed 90210, run 11574 of 20000 x 80 steps, invariant I9): the process stalled
  // between close() and the resignation, the term's deadline passed, and a lost lease was never released:
  // close() resolved with the ownership still in Redis for leaseTtl - renewDeadline.
  it('is given back by release() when Redis still has that very hold: close() leaves no ownership', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const server = new InMemoryRedis();
    const client = new LockClient({ redis: server.duplicate(), namespace: 'ns' });
    const lost: string[] = [];
    client.on('lost', (_key, err) => lost.push(err.reason));
    const election = client.elect({ leaseTtl: 3_000, renewDeadline: 2_000, retryPeriod: 500 });
    await vi.advanceTimersByTimeAsync(0);
    expect(election.isLeader).toBe(true);
    const closing = client.close();
    vi.advanceTimersByTime(2_000); // a stall: the deadline passes before the resignation is sent
    await vi.advanceTimersByTimeAsync(10);
    await closing;
    expect(lost).toEqual(['expired']);
    expect(await server.get(ownerKeys('', 'ns').lock)).toBeNull();
  });

  it('is not given back when Redis holds a newer hold of the same token (an owner lease, re-won)', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const server = new InMemoryRedis();
    const client = new LockClient({ redis: server.duplicate(), namespace: 'ns', instanceId: 'me' });
    const election = client.elect({ leaseTtl: 3_000, renewDeadline: 2_000, retryPeriod: 500 });
    await vi.advanceTimersByTimeAsync(0);
    const keys = ownerKeys('', 'ns');
    const first = Number(await server.get(keys.fence));
    // Another client with the same instance id (a restart) takes a newer hold under the same token.
    await server.set(keys.fence, String(first + 1));
    vi.advanceTimersByTime(2_000); // the term's deadline passes: lost by its own clock
    const stopping = election.stop();
    await vi.advanceTimersByTimeAsync(10);
    await stopping;
    expect(await server.get(keys.lock)).toBe('me');
    const closing = client.close();
    await vi.advanceTimersByTimeAsync(10);
    await closing;
  });
});
