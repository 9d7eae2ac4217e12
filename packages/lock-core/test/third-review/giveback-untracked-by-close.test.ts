// Third review, of 093df54. A lost lease's give-back is skipped only once `alarms.stopped`, i.e. once close()
// has all but resolved; one sent *during* close() (a lock() callback unlocking as the pod shuts down) is
// tracked by nothing: close() does not wait for it. If it is answered NOSCRIPT (the primary failed over to
// a replica without the script cache, or SCRIPT FLUSH), runScript's EVAL retry goes out after close()
// resolved: README "close() resolves with no timer left and no command sent after it" (I11), which is what
// 093df54 set out to fix for this very give-back.
// Fixed: give-backs are tracked (timed/leases.ts); close() waits for those sent and sends none after.
import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { linked, OwnTimers } from '../properties/link.js';

afterEach(() => vi.useRealTimers());

describe('third review: a give-back sent while close() runs', () => {
  it('close() waits for it: no command is sent after close() resolved', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const server = new InMemoryRedis();
    let closedResolved = false;
    const sentAfterClose: string[] = [];
    const d = 5;
    const client = new LockClient({
      redis: linked(server.duplicate(), { request: d, reply: d, message: d }, new OwnTimers(), (c) => {
        if (closedResolved) sentAfterClose.push(c);
      }),
    });
    client.on('error', () => {});
    const lost: string[] = [];
    client.on('lost', (_key, err) => lost.push(err.reason));
    // The pod has released a lock before: release.lua is known on this connection (EVALSHA from now on).
    const warm = client.acquire('tr3:warm', { ttl: 1_000 });
    await vi.advanceTimersByTimeAsync(20);
    const warmRelease = (await warm).release();
    await vi.advanceTimersByTimeAsync(20);
    expect(await warmRelease).toBe(true);
    let unlock: (() => void) | undefined;
    client.lock(
      'tr3:giveback',
      (u) => {
        unlock = u;
      },
      200,
    );
    await vi.advanceTimersByTimeAsync(20);
    expect(unlock).toBeTypeOf('function');
    // The callback's work runs past the local deadline (ttl - drift), Redis still holds it a few ms more.
    await vi.advanceTimersByTimeAsync(180);
    expect(lost).toEqual(['expired']);
    // The primary fails over to a replica that never loaded the scripts.
    await server.script('FLUSH');
    // Shutdown: close(), and the callback's work ends meanwhile and unlocks.
    const closing = client.close().then(() => {
      closedResolved = true;
    });
    unlock?.();
    await vi.advanceTimersByTimeAsync(100);
    await closing;
    expect(sentAfterClose).toEqual([]);
  });
});
