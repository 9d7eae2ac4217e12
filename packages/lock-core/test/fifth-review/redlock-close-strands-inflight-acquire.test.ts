// Fifth review, of 945b4f2 (quorum/sealable.ts: RedlockClient's node views refuse EVAL/EVALSHA once close()
// has resolved). RedlockClient.close() does not wait for an acquisition still on the wire (unlike
// LockClient, whose one-shot attempts are tracked: TimedLocks.attempt). An attempt answered after close()
// resolved finds `this.closed` and gives its win back (`lease.release()` -> releaseOnAll) -- but that
// give-back now goes through the sealed views, which refuse it with LockClosedError. Nothing is sent, so
// the lock stays held on every node (a majority) until its ttl, by nobody: the caller got LockClosedError,
// and no other client can take the key meanwhile. Before 945b4f2 the give-back was sent (after close():
// the other half of the same bug); now the seal turns it into a stranded lock.
// Invariants broken: (4) close() leaves nothing behind / resolves once every command it started is
// answered (README "Every promise settles; close() leaves nothing behind"; `close`: "releases every
// lease ... resolves once every command it started is answered").
// Fixed: RedlockClient tracks its attempts and close() waits for them (and what they give back) before
// it seals the nodes.
import { RedlockClient } from '@edirect/lock-core';
import { InMemoryRedis, lockKeys } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { linked, OwnTimers } from '../properties/link.js';

afterEach(() => vi.useRealTimers());

describe('fifth review: RedlockClient.close() with an acquisition on the wire', () => {
  it('leaves no lock held on the nodes once close() and the acquisition have settled', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const servers = [new InMemoryRedis(), new InMemoryRedis(), new InMemoryRedis()];
    const link = { request: 5, reply: 5, message: 5 };
    const redis = servers.map((s) => linked(s.duplicate(), link, new OwnTimers()));
    const client = new RedlockClient({ redis, keyPrefix: 'tr5:', ttl: 10_000, logger: { error: () => {} } });
    client.on('error', () => {});

    // A pod's shutdown hook runs close() 1 ms after a request handler called acquire().
    const acquiring = client.acquire('k', { ttl: 10_000 }).then(
      () => 'lease',
      (err: unknown) => (err as Error).name,
    );
    await vi.advanceTimersByTimeAsync(1);
    let closed = false;
    const closing = client.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(100);
    await closing;
    expect(closed).toBe(true);
    expect(await acquiring).toBe('LockClosedError');

    // Everything has settled. Who holds the key on the nodes?
    const keys = lockKeys('tr5:', 'k');
    const held = await Promise.all(servers.map((s) => s.get(keys.lock)));
    // Another pod tries the key now, and 5 s later.
    const other = new RedlockClient({
      redis: servers.map((s) => s.duplicate()),
      keyPrefix: 'tr5:',
      ttl: 1_000,
      logger: { error: () => {} },
    });
    other.on('error', () => {});
    const now = await other.tryAcquire('k');
    await vi.advanceTimersByTimeAsync(5_000);
    const later = await other.tryAcquire('k');
    const got = { now: now !== null, later: later !== null };
    await now?.release();
    await later?.release();
    await other.close();
    expect({ held, got }).toEqual({ held: [null, null, null], got: { now: true, later: true } });
  });
});
