// Second review: listeners that outlive what they were for, in elections.
import { getEventListeners } from 'node:events';
import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

const clients: LockClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
function pod(server: InMemoryRedis, opts: Record<string, unknown> = {}): LockClient {
  const c = new LockClient({ redis: server.duplicate(), ...opts });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

describe('second review: election listener leaks', () => {
  it('terms that end by loss (not stop()) leave no listener behind: no MaxListenersExceededWarning after 15 terms', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const server = new InMemoryRedis();
      const a = pod(server, { namespace: 'ns', instanceId: 'a' });
      const terms: number[] = [];
      const election = a.elect({
        leaseTtl: 1_000,
        renewDeadline: 500,
        retryPeriod: 20,
        onElected: (t) => void terms.push(t.fence),
      });
      for (let i = 1; i <= 15; i++) {
        await vi.waitFor(() => expect(election.isLeader && terms.length === i).toBe(true));
        await a.removeLockOwner(); // the term ends (its lease is given up); the campaign goes on
      }
      await new Promise((r) => setTimeout(r, 50));
      // Fails: each term's `aborted(stopped)` listener stays on the election's stop signal.
      expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
      await election.stop();
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a long-lived elect({ signal }) does not keep a listener per stopped election', async () => {
    const server = new InMemoryRedis();
    const a = pod(server, { namespace: 'ns2', instanceId: 'a' });
    const appShutdown = new AbortController(); // one signal for the app's lifetime, as the option invites
    for (let i = 0; i < 5; i++) {
      const e = a.elect({ name: `job-${i}`, signal: appShutdown.signal });
      await e.stop();
    }
    // Fails: every stopped election still has its 'abort' listener (and so stays reachable) on the signal.
    expect(getEventListeners(appShutdown.signal, 'abort')).toHaveLength(0);
  });
});
