// Plain Node with @edirect/lock-core: the README's "Plain Node" section, runnable.
// REDIS_URL (default redis://localhost:6379). Run twice at once to watch the two processes share the locks.
// #region client
import { LockClient } from '@edirect/lock-core';
import { Redis } from 'ioredis';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://localhost:6379');
const locks = new LockClient({ redis, namespace: 'billing' });
locks.on('error', (err) => console.error('[lock]', err)); // background failures: renewals, Redis away
// #endregion
// #hide
const prefix = process.env.KEY_PREFIX ?? '';
const saved: Array<{ rows: number; fence: number }> = [];
const store = {
  save: async (rows: string[], opts: { fence: number }) =>
    void saved.push({ rows: rows.length, fence: opts.fence }),
};
const buildReport = async () => ['a', 'b', 'c'].map((r) => `${prefix}${r}`);
const settle = async (id: number, opts: { signal: AbortSignal }) => {
  if (opts.signal.aborted) throw opts.signal.reason;
  console.log(`settled invoice ${id}`);
};
const startScheduler = (signal: AbortSignal) => {
  console.log('leading: scheduler started');
  signal.addEventListener('abort', () => console.log('scheduler stopped'), { once: true });
};
// #show

// #region withLock
// One process at a time, across every pod; renewed while the function runs, released after.
const count = await locks.withLock('nightly-report', async (lease) => {
  const rows = await buildReport();
  await store.save(rows, { fence: lease.fence }); // the store refuses a fence older than one it has seen
  return rows.length;
});
// #endregion
console.log(`report: ${count} rows, fence ${saved[0]?.fence}`);

{
  // #region acquire
  await using lease = await locks.acquire('invoice:42', { ttl: 10_000, waitTimeout: 5_000 });
  lease.signal.addEventListener('abort', () => console.warn('lost the lock:', lease.signal.reason));
  await settle(42, { signal: lease.signal });
  // #endregion
}

// #region elect
const election = locks.elect({
  onElected: (term) => startScheduler(term.signal),
  onRevoked: () => console.log('no longer leading'),
});
// #endregion
await new Promise((resolve) => setTimeout(resolve, 200));
console.log(`leader: ${election.leaderId}`);

// #region shutdown
process.once('SIGTERM', () => void shutdown());
async function shutdown() {
  await election.stop();
  await locks.close(); // releases what this pod holds: the next pod takes over at once
  await redis.quit();
}
// #endregion
// #hide
await shutdown();
// #show
