// Sixth review, of 7de2a45 (RedlockClient: close() drains the attempts on the wire, then seals its node
// views). Draining moves the seal to the end of the attempt's own give-back (releaseOnAll after a failed
// majority, bounded by nodeTimeout) -- i.e. into the middle of a slow node's NOSCRIPT retries. On a node
// that lost its script cache (failover to a replica, SCRIPT FLUSH: the fourth review's premise), the
// attempt's acquire EVALSHA and its give-back's release EVALSHA both come back NOSCRIPT, in that order.
// The acquire's NOSCRIPT lands before the seal, so its EVAL retry goes out and takes the key; the release's
// NOSCRIPT lands after the seal, so its EVAL retry is refused (LockClosedError, swallowed). The give-back
// that would have undone the acquire is exactly the command the seal drops. With two such nodes of three,
// a majority holds the key for its whole ttl, by nobody, after close() resolved and every caller settled.
// Before 7de2a45 close() sealed at once and both retries were refused (nothing taken).
// Invariant broken: (4) close() leaves nothing behind (README "Every promise settles; close() leaves
// nothing behind").
// Fixed: the nodes' views refuse an acquisition (its NOSCRIPT retry) from the moment close() begins, and
// every script only once it has resolved.
import { RedlockClient } from '@edirect/lock-core';
import { InMemoryRedis, lockKeys } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LinkDelays } from '../properties/backend.js';
import { linked, OwnTimers } from '../properties/link.js';

afterEach(() => vi.useRealTimers());

describe("sixth review: close() seals between a slow node's NOSCRIPT retries", () => {
  it('leaves no lock on the nodes once close() and the acquisition have settled', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const servers = [new InMemoryRedis(), new InMemoryRedis(), new InMemoryRedis()];
    const links: LinkDelays[] = servers.map(() => ({ request: 1, reply: 1, message: 1 }));
    const redis = servers.map((s, i) => linked(s.duplicate(), links[i] as LinkDelays, new OwnTimers()));
    const client = new RedlockClient({
      redis,
      keyPrefix: 'tr6:',
      nodeTimeout: 100,
      ttl: 10_000,
      logger: { error: () => {} },
    });
    client.on('error', () => {});

    // acquire.lua and release.lua are known on every connection (EVALSHA from now on).
    const warm = client.acquire('warm', { ttl: 10_000 });
    await vi.advanceTimersByTimeAsync(10);
    const warmRelease = (await warm).release();
    await vi.advanceTimersByTimeAsync(10);
    expect(await warmRelease).toBe(true);

    // Nodes 1 and 2 fail over to replicas that never loaded the scripts, behind slow links.
    for (const i of [1, 2]) {
      const link = links[i];
      if (!link) throw new Error(`no node ${i}`);
      await servers[i]?.script('FLUSH');
      link.request = 5;
      link.reply = 150;
    }

    // A request handler calls acquire(); the pod's shutdown hook runs close() 1 ms later.
    const acquiring = client.acquire('k', { ttl: 10_000 }).then(
      () => 'lease',
      (err: unknown) => (err as Error).name,
    );
    await vi.advanceTimersByTimeAsync(1);
    let closed = false;
    const closing = client.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(1_000);
    await closing;
    expect(closed).toBe(true);
    expect(await acquiring).toBe('LockClosedError');

    // Everything has settled, and every late reply is in. Who holds the key on the nodes?
    const keys = lockKeys('tr6:', 'k');
    const held = await Promise.all(servers.map((s) => s.get(keys.lock)));
    // Another pod tries the key now (well within the 10 s ttl).
    const other = new RedlockClient({
      redis: servers.map((s) => s.duplicate()),
      keyPrefix: 'tr6:',
      ttl: 1_000,
      logger: { error: () => {} },
    });
    other.on('error', () => {});
    const now = await other.tryAcquire('k');
    await now?.release();
    await other.close();
    expect({ held, otherGotIt: now !== null }).toEqual({ held: [null, null, null], otherGotIt: true });
  });
});
