// Fourth review, of e7c9a79 (quorum/redlock-client.ts: "give-backs are tracked; close() waits for those
// sent and sends none after", via alarms.stopped). What close() waits for is releaseOnAll()'s fan-out,
// which settles after `nodeTimeout` with a slow node still silent; the node's own script call is not
// waited for. If that node answers NOSCRIPT late (it failed over to a replica without the script cache,
// or SCRIPT FLUSH), runScript's EVAL retry goes out after close() resolved: the very thing the third
// review's giveback-untracked-by-close repro was about, here on the RedlockClient.
// Invariant broken: (3) close() sends no command after it resolves.
// Fixed: RedlockClient sends scripts through sealable views of its nodes (quorum/sealable.ts), which refuse
// once close() has resolved, so a slow node's late NOSCRIPT sends no EVAL after it.
import { RedlockClient } from '@edirect/lock-core';
import { InMemoryRedis } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { linked, OwnTimers } from '../properties/link.js';

afterEach(() => vi.useRealTimers());

describe('fourth review: a Redlock give-back to a slow node', () => {
  it('no command is sent after close() resolved', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const servers = [new InMemoryRedis(), new InMemoryRedis(), new InMemoryRedis()];
    let closedResolved = false;
    const sentAfterClose: string[] = [];
    const slowLink = { request: 5, reply: 5, message: 5 };
    const redis = servers.map((s, i) =>
      linked(
        s.duplicate(),
        i === 2 ? slowLink : { request: 1, reply: 1, message: 1 },
        new OwnTimers(),
        (c) => {
          if (closedResolved) sentAfterClose.push(`node${i} ${c}`);
        },
      ),
    );
    const client = new RedlockClient({ redis, nodeTimeout: 100, ttl: 1_000, logger: { error: () => {} } });
    const lost: string[] = [];
    client.on('lost', (_key, err) => lost.push(err.reason));
    client.on('error', () => {});
    // release.lua is known on every connection (EVALSHA from now on).
    const warm = client.acquire('tr4:warm', { ttl: 1_000 });
    await vi.advanceTimersByTimeAsync(30);
    const warmRelease = (await warm).release();
    await vi.advanceTimersByTimeAsync(30);
    expect(await warmRelease).toBe(true);
    const acquiring = client.acquire('tr4:gb', { ttl: 300, autoExtend: false });
    await vi.advanceTimersByTimeAsync(30);
    const lease = await acquiring;
    // The holder's work runs past its local deadline: the lease is lost by its own clock.
    await vi.advanceTimersByTimeAsync(300);
    expect(lost).toEqual(['expired']);
    // Node 2 fails over to a replica that never loaded the scripts, behind a slow link.
    await servers[2]?.script('FLUSH');
    slowLink.reply = 1_000;
    // Shutdown: the work ends and gives its lease back, and close() runs.
    const released = lease.release();
    const closing = client.close().then(() => {
      closedResolved = true;
    });
    await vi.advanceTimersByTimeAsync(200);
    await closing;
    expect(await released).toBe(false);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sentAfterClose).toEqual([]);
  });
});
