import { createHook } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import {
  clientPause,
  clientUnpause,
  debugSleep,
  type FaultProxy,
  type RedisServer,
  seededRandom,
  startFaultProxy,
  startRedisServer,
} from '@internal/redis-server';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/**
 * The fault-injection layer, tried on itself: each fault does what a lock test will rely on, seen from an
 * ioredis client. Timings assert lower bounds tightly (a fault that lets a reply through early is a broken
 * fault) and upper bounds loosely (a loaded 2-core CI machine is slow, not wrong).
 */

let server: RedisServer;
const clients = new Set<Redis>();
const proxies = new Set<FaultProxy>();

beforeAll(async () => {
  // Its own server, since these faults stall every client of a server; DEBUG allowed for debugSleep.
  server = await startRedisServer({ args: ['--enable-debug-command', 'local'] });
});

afterEach(async () => {
  if (server.paused) server.resume();
  for (const redis of clients) redis.disconnect();
  clients.clear();
  await Promise.all([...proxies].map((proxy) => proxy.close()));
  proxies.clear();
});

afterAll(async () => {
  await server?.stop();
});

function client(url: string, opts: RedisOptions = {}): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 20, ...opts });
  redis.on('error', () => {}); // the faults make errors on purpose; tests that count them listen too
  clients.add(redis);
  return redis;
}

async function proxy(): Promise<FaultProxy> {
  const started = await startFaultProxy({ target: { port: server.port } });
  proxies.add(started);
  return started;
}

const key = (label: string): string => `faults:${label}:${randomUUID().slice(0, 8)}`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` settles (either way) within `ms`; leaves no timer behind. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ms from now until `promise` resolves. */
async function elapsed(promise: Promise<unknown>, since = performance.now()): Promise<number> {
  await promise;
  return performance.now() - since;
}

function counting(redis: Redis): { closes: () => number; errors: NodeJS.ErrnoException[] } {
  let closes = 0;
  const errors: NodeJS.ErrnoException[] = [];
  redis.on('close', () => closes++);
  redis.on('error', (err: NodeJS.ErrnoException) => errors.push(err));
  return { closes: () => closes, errors };
}

describe('startFaultProxy', () => {
  it('forwards commands unchanged while no fault is on', async () => {
    const p = await proxy();
    expect(p.url).toBe(`redis://127.0.0.1:${p.port}`);
    const redis = client(p.url);
    const k = key('plain');
    await redis.set(k, 'v');
    expect(await redis.get(k)).toBe('v');
    expect(p.connections).toBe(1);
    expect(p.stats.accepted).toBe(1);
  });

  it('delay(ms) adds at least ms each way to a round trip, and delay(0) removes it', async () => {
    const p = await proxy();
    const redis = client(p.url);
    await redis.ping();
    p.delay(250);
    const slow = await elapsed(redis.ping());
    expect(slow).toBeGreaterThanOrEqual(2 * 250 - 1);
    expect(slow).toBeLessThan(5_000);
    p.delay(0);
    const fast = await elapsed(redis.ping());
    expect(fast).toBeLessThan(250);
  });

  it('delay changes never reorder bytes: 300 INCRs in 60 batches under changing delays answer 1..300', async () => {
    const p = await proxy();
    const redis = client(p.url);
    await redis.ping();
    const k = key('order');
    const random = seededRandom(7);
    const replies: Array<Promise<number>> = [];
    for (let batch = 0; batch < 60; batch++) {
      // Up and down: a chunk sent after a longer-delayed one would overtake it in a naive proxy.
      p.delay(Math.floor(random() * 40));
      for (let i = 0; i < 5; i++) replies.push(redis.incr(k));
      await sleep(2); // so the proxy reads each batch as its own chunk, under its own delay
    }
    expect(await Promise.all(replies)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('blackhole() stalls: no reply and no close; heal() delivers the held commands, in order', async () => {
    const p = await proxy();
    const redis = client(p.url, { commandTimeout: 300 });
    const patient = client(p.url);
    const direct = client(server.url);
    await Promise.all([redis.ping(), patient.ping(), direct.ping()]);
    const watched = counting(redis);
    const k = key('stall');

    p.blackhole();
    await expect(redis.set(k, 'sent during the partition')).rejects.toThrow(/timed out/i);
    const held = patient.incr(`${k}:n`);
    expect(await settlesWithin(held, 500)).toBe(false);
    expect(await direct.exists(k, `${k}:n`)).toBe(0); // the server got neither command
    expect(redis.status).toBe('ready');
    expect(patient.status).toBe('ready');
    expect(p.connections).toBe(2);

    p.heal();
    expect(await held).toBe(1);
    expect(await redis.ping()).toBe('PONG'); // its reply comes after the SET's, which it gets first
    expect(await direct.get(k)).toBe('sent during the partition'); // late, as TCP would deliver it
    expect(watched.closes()).toBe(0);
  });

  it('blackhole({ drop: true }) loses the bytes; heal() resets only the connections that lost any', async () => {
    const p = await proxy();
    const busy = client(p.url, { maxRetriesPerRequest: 0 });
    const idle = client(p.url);
    const direct = client(server.url);
    await Promise.all([busy.ping(), idle.ping()]);
    const busyEvents = counting(busy);
    const idleEvents = counting(idle);
    const k = key('drop');

    p.blackhole({ drop: true });
    const lost = busy.set(k, 'lost');
    expect(await settlesWithin(lost, 300)).toBe(false);
    expect(await direct.exists(k)).toBe(0);
    expect(busyEvents.closes()).toBe(0); // a partition, not a disconnect
    const busyPort = busy.stream.localPort;
    expect(p.list().find((c) => c.clientPort === busyPort)?.droppedBytes).toBeGreaterThan(0);

    p.heal();
    // No reply can ever come for a command the server never got: the connection is cut instead.
    await expect(lost).rejects.toThrow();
    expect(busyEvents.closes()).toBeGreaterThanOrEqual(1);
    expect(await busy.ping()).toBe('PONG'); // reconnected through the healed proxy
    expect(await direct.exists(k)).toBe(0);
    expect(idleEvents.closes()).toBe(0);
    expect(await idle.ping()).toBe('PONG');
  });

  it('a connection made during a blackhole gets nowhere until heal(), then works', async () => {
    const p = await proxy();
    p.blackhole();
    const late = client(p.url);
    const ready = new Promise<void>((resolve) => late.once('ready', () => resolve()));
    expect(await settlesWithin(ready, 400)).toBe(false); // its handshake (INFO) is held like any bytes
    expect(late.status).toBe('connect');
    p.heal();
    await ready;
    expect(await late.ping()).toBe('PONG');
  });

  it('a single connection can be partitioned: the lock holder, not the others', async () => {
    const p = await proxy();
    const holder = client(p.url, { commandTimeout: 300 });
    const other = client(p.url);
    await Promise.all([holder.ping(), other.ping()]);
    const conn = p.list().find((c) => c.clientPort === holder.stream.localPort);
    expect(conn).toBeDefined();

    conn?.blackhole();
    await expect(holder.ping()).rejects.toThrow(/timed out/i);
    expect(await other.ping()).toBe('PONG');
    conn?.heal();
    expect(await holder.ping()).toBe('PONG');
  });

  it('resetAll() cuts every connection with a RST; ioredis sees ECONNRESET and reconnects', async () => {
    const p = await proxy();
    const redis = client(p.url);
    await redis.ping();
    const events = counting(redis);
    const readyAgain = new Promise<void>((resolve) => redis.once('ready', () => resolve()));

    p.resetAll();
    await readyAgain;
    expect(events.closes()).toBeGreaterThanOrEqual(1);
    expect(events.errors.map((err) => err.code)).toContain('ECONNRESET'); // a RST, not a polite FIN
    expect(await redis.ping()).toBe('PONG');
    expect(p.stats.resets).toBe(1);
    expect(p.stats.accepted).toBe(2);
  });

  it('refuse(true) resets new connections at once and leaves open ones alone', async () => {
    const p = await proxy();
    const existing = client(p.url);
    await existing.ping();

    p.refuse(true);
    const refused = client(p.url, { lazyConnect: true, retryStrategy: () => null });
    await expect(refused.connect()).rejects.toThrow();
    expect(p.stats.refused).toBeGreaterThanOrEqual(1);
    expect(await existing.ping()).toBe('PONG');

    p.refuse(false);
    const welcome = client(p.url, { lazyConnect: true, retryStrategy: () => null });
    await welcome.connect();
    expect(await welcome.ping()).toBe('PONG');
  });

  it('chaos() with a fixed seed resets connections again and again, and ioredis keeps working', async () => {
    const p = await proxy();
    const redis = client(p.url, { maxRetriesPerRequest: 20, retryStrategy: () => 10 });
    const direct = client(server.url);
    await redis.ping();
    const events = counting(redis);
    const k = key('chaos');

    expect(p.chaos({ resetEveryMs: 40, seed: 42 })).toEqual({ seed: 42 });
    let ok = 0;
    let failed = 0;
    const until = performance.now() + 1_500;
    while (performance.now() < until) {
      try {
        await redis.incr(k);
        ok++;
      } catch {
        failed++;
      }
    }
    p.stopChaos();

    expect(p.stats.chaosResets).toBeGreaterThanOrEqual(5);
    expect(events.closes()).toBeGreaterThanOrEqual(5);
    expect(ok).toBeGreaterThan(20);
    expect(failed).toBeLessThan(ok);
    expect(await redis.ping()).toBe('PONG');
    // Every answered INCR ran; a resent one whose reply was cut may have run twice.
    expect(Number(await direct.get(k))).toBeGreaterThanOrEqual(ok);
  });

  it('the same seed draws the same sequence (so a chaos run can be replayed)', () => {
    const draws = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(draws(42)).toEqual(draws(42));
    expect(draws(42)).not.toEqual(draws(43));
    for (const x of draws(1)) expect(x >= 0 && x < 1).toBe(true);
  });

  it('close() stops listening, cuts every connection, clears its timers, and can be called twice', async () => {
    const handles = trackHandles();
    const p = await startFaultProxy({ target: { port: server.port } });
    const sock = connect({ port: p.port, host: '127.0.0.1' });
    sock.on('error', () => {});
    const sockClosed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    p.delay(10_000);
    sock.write('PING\r\n');
    await waitUntil(() => (p.list()[0]?.queuedBytes ?? 0) > 0); // now waiting in a delay timer
    p.chaos({ resetEveryMs: 10_000, seed: 1 });

    const closing = p.close();
    expect(p.close()).toBe(closing);
    await closing;
    await sockClosed;
    expect(p.connections).toBe(0);
    const refused = await new Promise<string>((resolve) => {
      const probe = connect({ port: p.port, host: '127.0.0.1' });
      probe.once('connect', () => {
        probe.destroy();
        resolve('connected');
      });
      probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');

    // Every socket, server and timer made since startFaultProxy (the test's own included) is gone.
    expect(await handles.stillOpen()).toEqual([]);
  });
});

describe('server-side faults', () => {
  it('pause() (SIGSTOP) holds every reply until resume() (SIGCONT)', async () => {
    const redis = client(server.url);
    await redis.ping();
    server.pause();
    expect(server.paused).toBe(true);
    const start = performance.now();
    const ping = redis.ping();
    try {
      expect(await settlesWithin(ping, 400)).toBe(false);
    } finally {
      server.resume();
    }
    expect(server.paused).toBe(false);
    expect(await ping).toBe('PONG');
    expect(performance.now() - start).toBeGreaterThanOrEqual(400 - 1);
  });

  it('clientPause(url, ms) holds every command for ms', async () => {
    const redis = client(server.url);
    await redis.ping();
    const start = performance.now();
    await clientPause(server.url, 400);
    const ms = await elapsed(redis.ping(), start);
    expect(ms).toBeGreaterThanOrEqual(400 - 10);
    expect(ms).toBeLessThan(5_000);
  });

  it("clientPause(url, ms, 'WRITE') holds writes and answers reads; clientUnpause ends it early", async () => {
    const writer = client(server.url);
    const reader = client(server.url);
    await Promise.all([writer.ping(), reader.ping()]);
    const k = key('pause-write');

    const start = performance.now();
    await clientPause(server.url, 400, 'WRITE');
    const write = writer.set(k, 'v');
    expect(await reader.get(k)).toBeNull(); // answered during the pause, before the write ran
    await write;
    expect(performance.now() - start).toBeGreaterThanOrEqual(400 - 10);

    await clientPause(server.url, 30_000, 'WRITE');
    const held = writer.del(k);
    expect(await settlesWithin(held, 200)).toBe(false);
    await clientUnpause(server.url);
    expect(await held).toBe(1);
  });

  it('debugSleep(url, s) blocks the whole server for s seconds', async () => {
    const redis = client(server.url);
    await redis.ping();
    const start = performance.now();
    const sleeping = debugSleep(server.url, 1.5);
    await sleep(300); // so DEBUG SLEEP reaches the server before the PING
    const ms = await elapsed(redis.ping(), start);
    await sleeping;
    expect(ms).toBeGreaterThanOrEqual(1_500 - 10);
    expect(ms).toBeLessThan(10_000);
  });

  it('debugSleep says how to enable DEBUG when the server refuses it', async () => {
    const plain = await startRedisServer();
    try {
      await expect(debugSleep(plain.url, 0.1)).rejects.toThrow(/--enable-debug-command/);
    } finally {
      await plain.stop();
    }
  });

  it('a server restarted behind the proxy: ioredis reconnects through it', async () => {
    const p = await proxy();
    const redis = client(p.url, { maxRetriesPerRequest: 50, retryStrategy: () => 20 });
    await redis.set(key('restart'), 'gone with the restart');
    const events = counting(redis);
    await server.restart();
    expect(await redis.ping()).toBe('PONG');
    expect(events.closes()).toBeGreaterThanOrEqual(1);
  });
});

/**
 * Watches the sockets, listening servers and timers created from now on, by async id. Precise where
 * `process.getActiveResourcesInfo()` counts are not: those include whatever vitest and earlier tests
 * have open at the moment.
 */
function trackHandles(): { stillOpen(): Promise<string[]> } {
  const tracked = new Set(['TCPWRAP', 'TCPSERVERWRAP', 'Timeout']);
  const open = new Map<number, string>();
  const hook = createHook({
    init(id, type) {
      if (tracked.has(type)) open.set(id, type);
    },
    destroy(id) {
      open.delete(id);
    },
  }).enable();
  return {
    async stillOpen() {
      // Destroy hooks are reported asynchronously: give them a few turns of the loop (no timers).
      const deadline = performance.now() + 1_000;
      while (open.size > 0 && performance.now() < deadline) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      hook.disable();
      return [...open.values()];
    },
  };
}

async function waitUntil(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
