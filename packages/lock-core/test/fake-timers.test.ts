import { InMemoryRedis, lockKeys } from '@edirect/lock-core/testing';
import { podFactory } from '@internal/test-harness';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * The fake follows vitest's fake timers: expiry is computed from Date.now() when a key is read, so
 * moving the fake clock moves every TTL, and a 30 s lease runs out in microseconds of real time.
 */
describe('InMemoryRedis under vi.useFakeTimers()', () => {
  let server: InMemoryRedis;
  const pods = podFactory({ label: 'fake-clock', connect: () => server.duplicate() });
  const pod = () => pods.pod().client;
  const lockKey = (name: string) => lockKeys(pods.prefix, name).lock;

  beforeEach(() => {
    vi.useFakeTimers();
    server = new InMemoryRedis();
  });
  afterEach(async () => {
    await pods.closeAll();
    vi.useRealTimers();
  });

  it('a lock with ttl 30 000 expires after advancing the clock 30 s; another client then gets it', async () => {
    const realStart = vi.getRealSystemTime();
    const a = pod();
    const b = pod();

    const lease = await a.tryAcquire('nightly-report', { ttl: 30_000 });
    expect(lease).not.toBeNull();
    expect(await b.tryAcquire('nightly-report')).toBeNull();

    vi.advanceTimersByTime(30_000);
    expect(lease?.isHeld()).toBe(false); // its local deadline (ttl minus drift) has passed
    expect(lease?.signal.aborted).toBe(true);
    // Like Redis, a key lives through its last millisecond: expired once now > its deadline.
    expect(await server.pttl(lockKey('nightly-report'))).toBe(0);
    vi.advanceTimersByTime(1);

    const next = await b.tryAcquire('nightly-report');
    expect(next?.fence).toBeGreaterThan(lease?.fence ?? Number.POSITIVE_INFINITY);
    expect(await lease?.release()).toBe(false); // the stale holder cannot free the new holder's lock
    expect(next?.isHeld()).toBe(true);
    expect(vi.getRealSystemTime() - realStart).toBeLessThan(5_000); // not 30 s
  });

  it('a client waiting in acquire() wakes and takes the lock when the fake clock passes the ttl', async () => {
    const a = pod();
    const b = pod();
    const stale = await a.tryAcquire('job', { ttl: 30_000 });
    let got: number | undefined;
    const waiting = b.acquire('job').then((lease) => {
      got = lease.fence;
      return lease;
    });

    await vi.advanceTimersByTimeAsync(29_999);
    expect(got).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2);
    expect(got).toBeGreaterThan(stale?.fence ?? Number.POSITIVE_INFINITY);
    await (await waiting).release();
  });

  it('auto-extension renews a lease for as long as the fake clock runs', async () => {
    const a = pod();
    const b = pod();
    const lease = await a.acquire('long-job', { ttl: 30_000 });
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(lease.isHeld()).toBe(true);
    expect(await b.tryAcquire('long-job')).toBeNull();
    expect(await server.pttl(lockKey('long-job'))).toBeGreaterThan(20_000);
    expect(await lease.release()).toBe(true);
  });

  it('raw keys follow the fake clock: SET PX, PTTL, and expiry on read', async () => {
    await server.set('k', 'v', 'PX', 30_000);
    expect(await server.pttl('k')).toBe(30_000);
    vi.advanceTimersByTime(10_000);
    expect(await server.pttl('k')).toBe(20_000);
    vi.advanceTimersByTime(20_000);
    expect(await server.get('k')).toBe('v');
    vi.advanceTimersByTime(1);
    expect(await server.get('k')).toBeNull();
    expect(await server.pttl('k')).toBe(-2);
  });

  it('owner leases fail over when the owner stops renewing', async () => {
    const { client: a, redis: aConnection } = pods.pod({ instanceId: 'pod-a', ownerTtl: 15_000 });
    const b = pods.pod({ instanceId: 'pod-b', ownerTtl: 15_000 }).client;
    expect(await a.isLockOwner()).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await b.isLockOwner()).toBe(false); // renewed in the background all along
    // A pod that dies stops renewing: simulate it by taking its connection away.
    aConnection.disconnect();
    await vi.advanceTimersByTimeAsync(15_001);
    expect(await b.isLockOwner()).toBe(true);
    const errors = pods.errors.splice(0);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => (e as Error).message === 'Connection is closed.')).toBe(true);
  });
});
