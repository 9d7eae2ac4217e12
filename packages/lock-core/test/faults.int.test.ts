// The guarantees under injected faults: a TCP proxy between a client and Redis that delays, partitions
// (blackholes) and resets connections, and a holder process paused with SIGSTOP. What must hold: a
// partitioned holder knows it lost the lock before anyone else is handed it; connections reset at random
// under contention lose no increment and leave no waiter stuck; a paused holder wakes up knowing.
import { type FaultProxy, startFaultProxy } from '@internal/redis-server';
import { podFactory, redisUrl, sleep } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startProc } from './processes.js';

const direct = podFactory({ label: 'faults' });
const { prefix } = direct;
let proxy: FaultProxy | undefined;
let n = 0;
const key = (label = 'k') => `${label}-${++n}`;

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function proxied(label: string) {
  const url = new URL(redisUrl());
  proxy = await startFaultProxy({ target: { host: url.hostname, port: Number(url.port) } });
  const through = proxy;
  return podFactory({
    label,
    connect: () => {
      const redis = new Redis(through.url, { maxRetriesPerRequest: 1, retryStrategy: () => 20 });
      redis.on('error', () => {}); // the app's own connection: its reconnect noise is the app's to log
      return redis;
    },
  });
}

describe('F10: a subscriber connection past its TCP connect but short of its ready check', () => {
  it('no SUBSCRIBE is written before the ready check ends: no error, no reconnect', async () => {
    const url = new URL(redisUrl());
    proxy = await startFaultProxy({ target: { host: url.hostname, port: Number(url.port) } });
    proxy.delay(40); // the subscriber's handshake (CLIENT SETINFO, then INFO) takes 80 ms a step
    const slowSubscriber = proxy.url;
    const subscribers: Redis[] = [];
    const { client } = direct.pod({}, (redis) => {
      // Commands go straight to Redis; the subscriber connection the client makes goes through the proxy.
      (redis as Redis).duplicate = () => {
        const sub = new Redis(slowSubscriber);
        subscribers.push(sub);
        return sub;
      };
      return redis;
    });
    const holder = direct.pod().client;
    const [k1, k2] = [key(), key()];
    const held = [await holder.acquire(k1), await holder.acquire(k2)];
    const waits = [client.acquire(k1, { waitTimeout: 3_000 })];
    // The first wait makes the subscriber connection; the second subscribes while it is in 'connect'.
    await vi.waitFor(() => expect(subscribers[0]?.status).toBe('connect'));
    waits.push(client.acquire(k2, { waitTimeout: 3_000 }));
    await sleep(400);
    for (const lease of held) await lease.release();
    for (const lease of await Promise.all(waits)) await lease.release();
    expect(direct.errors).toEqual([]);
  });
});

describe('a partitioned holder', () => {
  it('knows it lost the lock (its signal aborts) before anyone else is handed it', async () => {
    const pods = await proxied('partition');
    const holder = pods.pod({ keyPrefix: prefix }).client;
    const other = direct.pod().client;
    const k = key();
    const lease = await holder.acquire(k, { ttl: 600 });
    let abortedAt = 0;
    lease.signal.addEventListener('abort', () => {
      abortedAt = performance.now();
    });
    const waiting = other.acquire(k).then((next) => ({ next, at: performance.now() }));
    await sleep(100);
    proxy?.blackhole(); // the holder can no longer renew, nor hear anything
    const { next, at } = await waiting;
    expect(abortedAt).toBeGreaterThan(0);
    expect(abortedAt).toBeLessThan(at);
    expect(lease.isHeld()).toBe(false);
    expect(next.fence).toBeGreaterThan(lease.fence);
    await next.release();
    proxy?.heal();
    await pods.closeAll();
  });
});

describe('connections reset at random under contention', () => {
  it('lose no increment and leave no waiter stuck (fenced writes, 4 clients, ~3 s of chaos)', async () => {
    const pods = await proxied('chaos');
    const clients = Array.from(
      { length: 4 },
      () => pods.pod({ keyPrefix: prefix, fallbackPoll: 200 }).client,
    );
    const store = new Redis(redisUrl());
    const counter = `${prefix}chaos:counter`;
    // The resource checks the fence, as the README asks: a write from a stale holder is refused.
    const write = `local cur = cjson.decode(redis.call('GET', KEYS[1]) or '{"n":0,"f":0}')
      if tonumber(ARGV[1]) < cur.f then return -1 end
      redis.call('SET', KEYS[1], cjson.encode({n = cur.n + 1, f = tonumber(ARGV[1])}))
      return cur.n + 1`;
    const { seed } = proxy?.chaos({ resetEveryMs: 150 }) ?? { seed: 0 };
    const k = key('chaos');
    let done = 0;
    let refused = 0;
    const until = performance.now() + 3_000;
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < until) {
          try {
            await client.withLock(
              k,
              async (lease) => {
                await sleep(5);
                if (lease.signal.aborted) return;
                const reply = await store.eval(write, 1, counter, lease.fence);
                if (reply === -1) refused++;
                else done++;
              },
              { ttl: 400, waitTimeout: 5_000 },
            );
          } catch {
            // A connection reset under the call: it is tried again.
          }
        }
      }),
    );
    proxy?.stopChaos();
    const stored = JSON.parse((await store.get(counter)) ?? '{"n":0}') as { n: number };
    console.log(
      `chaos (seed ${seed}): ${done} sections, ${refused} stale writes refused, resets ${proxy?.stats.chaosResets}`,
    );
    expect(stored.n).toBe(done);
    expect(done).toBeGreaterThan(20); // progress, despite the resets
    // Nobody is stuck: each client can still take the lock within a poll or two.
    for (const client of clients) await (await client.acquire(k, { waitTimeout: 3_000 })).release();
    store.disconnect();
    await pods.closeAll();
  }, 30_000);
});

describe('a holder process paused (SIGSTOP) past its ttl', () => {
  it('is not waited for by the others, and wakes up knowing it lost the lock', async () => {
    const k = key('paused');
    const other = direct.pod().client;
    const holder = startProc('holder.mjs', [redisUrl(), prefix, k, '600']);
    const held = await holder.next('held');
    holder.child.kill('SIGSTOP');
    const started = performance.now();
    const next = await other.acquire(k, { waitTimeout: 5_000 });
    expect(performance.now() - started).toBeLessThan(2_000); // its ttl, not more
    expect(next.fence).toBeGreaterThan(held.fence as number);
    holder.child.kill('SIGCONT');
    const wokeAt = performance.now();
    holder.send('check');
    const state = await holder.next('state', 0);
    expect(state).toMatchObject({ held: false, aborted: true });
    expect(performance.now() - wokeAt).toBeLessThan(1_000);
    await next.release();
    holder.send('exit');
    await holder.exited();
  });
});
