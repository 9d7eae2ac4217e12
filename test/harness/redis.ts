import { randomUUID } from 'node:crypto';
import { type RedisServer, type StartOptions, startRedisServer } from '@internal/redis-server';
import { Redis } from 'ioredis';
import { afterAll, inject } from 'vitest';
import './provided.js';

export { freePort, type RedisServer, startRedisServer } from '@internal/redis-server';

/** The run's Redis (see global-setup.ts). */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** A key prefix of this file's own: tests never touch keys outside it. */
export function testPrefix(label = 'test'): string {
  return `${label}:${randomUUID().slice(0, 8)}:`;
}

/**
 * A connection to the run's Redis, closed after this file's tests, and a prefix whose keys are
 * deleted then. Call it at the top level of a test file.
 */
export function useRedis(label?: string): { redis: Redis; prefix: string } {
  const redis = new Redis(redisUrl(), { lazyConnect: false, maxRetriesPerRequest: 3 });
  const prefix = testPrefix(label);
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });
  return { redis, prefix };
}

/** Deletes every key under `prefix`, with SCAN so the shared server is never blocked. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

const ownServers = new Set<RedisServer>();
// Registered when a test file imports the harness, so it runs after that file's tests however
// ownRedisServer() was called: an afterAll registered from inside a running test never runs, and the
// servers of an outage test (killed, then restarted) outlived their run that way.
afterAll(async () => {
  await Promise.all([...ownServers].map((server) => server.stop()));
  ownServers.clear();
});

/** A server of this file's own (to kill or restart mid-test), stopped after the file's tests. */
export async function ownRedisServer(opts?: StartOptions): Promise<RedisServer> {
  const server = await startRedisServer(opts);
  ownServers.add(server);
  return server;
}
