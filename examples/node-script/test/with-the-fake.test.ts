// How a user unit-tests their own code with the in-memory fake: no server, fake timers, several "pods".
// #region fake
import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis } from '@edirect/lock-core/testing';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';

/** The code under test: a job that must run on one pod at a time. */
class ReportJob {
  constructor(private readonly locks: LockClient) {}
  async run(): Promise<'ran' | 'skipped'> {
    const lease = await this.locks.tryAcquire('report', { ttl: 30_000 });
    return lease ? 'ran' : 'skipped'; // holds the lock until its ttl, so no other pod repeats it
  }
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

it('runs the report on one pod only, and again once the lock expires', async () => {
  const server = new InMemoryRedis(); // one in-memory "server"
  const podA = new LockClient({ redis: server.duplicate() });
  const podB = new LockClient({ redis: server.duplicate() }); // a second pod on the same server

  expect(await new ReportJob(podA).run()).toBe('ran');
  expect(await new ReportJob(podB).run()).toBe('skipped'); // held by pod A

  vi.advanceTimersByTime(30_001); // 30 s pass in microseconds
  expect(await new ReportJob(podB).run()).toBe('ran');
  await Promise.all([podA.close(), podB.close()]);
});
// #endregion
