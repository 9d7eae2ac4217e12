// A first look at @edirect/lock-core on a real Redis: two workers share one lock, then a value is
// stored and read. Redis: REDIS_URL if set, else a redis-server from PATH started for this run.
import { LockClient } from '@edirect/lock-core';
import { provisionRedis } from '@internal/redis-server';
import { Redis } from 'ioredis';

const started = performance.now();
const log = (who: string, what: string) =>
  console.log(`${(performance.now() - started).toFixed(1).padStart(7)} ms  ${who.padEnd(9)} ${what}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const server = await provisionRedis();
log('redis', `${server.source} at ${server.url}`);
const redis = new Redis(server.url);
const client = new LockClient({ redis, keyPrefix: `demo:${process.pid}:` });

async function worker(name: string, jobs: number): Promise<void> {
  for (let i = 0; i < jobs; i++) {
    log(name, 'waits for "nightly-report"');
    await client.withLock('nightly-report', async (lease) => {
      log(name, `holds "nightly-report" (fencing token ${lease.fence})`);
      await sleep(50);
      log(name, 'releases it');
    });
  }
}

try {
  await Promise.all([worker('worker-a', 2), worker('worker-b', 2)]);
  await client.set('feature-flag:new-flow', 'true');
  log('kv', `feature-flag:new-flow = ${await client.get('feature-flag:new-flow')}`);
  await client.set('feature-flag:new-flow', 'false');
  log('kv', `set without override keeps it: ${await client.get('feature-flag:new-flow')}`);
} finally {
  await client.close();
  await redis.quit();
  await server.stop();
}
log('demo', 'done');
