import { randomUUID } from 'node:crypto';
import { LockClient, type LockClientOptions, type RedisConnection } from '@edirect/lock-core';
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';
import { lockKeys } from '../../src/protocol/keys.js';

/** Read-only look at the server, to check what the client left there (ioredis and InMemoryRedis both fit). */
export interface Inspector {
  get(key: string): Promise<string | null>;
  pttl(key: string): Promise<number>;
  llen(key: string): Promise<number>;
  exists(...keys: string[]): Promise<number>;
}

/** One server for the suite: real Redis, or an InMemoryRedis. */
export interface Backend {
  /** Every client of the suite uses it, so nothing outside it is touched on a shared server. */
  readonly prefix: string;
  /** A new connection to the server: one per simulated pod, as each pod has its own in production. */
  connect(): RedisConnection;
  readonly inspect: Inspector;
  /** Closes the connections connect() made. */
  close(): Promise<void>;
  /**
   * Multiplies the suite's long waits (default 1). The fake has no network and no server to share, so its
   * run may wait less and keep the unit project fast; real servers keep the full margins.
   */
  readonly timeScale?: number;
}

export type MakeBackend = () => Backend | Promise<Backend>;

export interface Pod {
  client: LockClient;
  redis: RedisConnection;
}

/**
 * The suite's shared setup: the backend (made once per suite) and `pod()`, a LockClient on its own
 * connection, closed after each test. Background errors the clients emit fail the test that caused them:
 * the suite expects none, and on the fake one would mean a command was refused.
 */
export function useBackend(makeBackend: MakeBackend) {
  let backend: Backend | undefined;
  const clients: LockClient[] = [];
  let errors: unknown[] = [];
  beforeAll(async () => {
    backend = await makeBackend();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    const seen = errors;
    errors = [];
    expect(seen).toEqual([]);
  });
  afterAll(async () => {
    await backend?.close();
  });

  const current = (): Backend => {
    if (!backend) throw new Error('the backend is made in beforeAll');
    return backend;
  };

  return {
    get backend(): Backend {
      return current();
    },
    /** Full Redis names of a lock's keys, for inspection. */
    keysOf: (key: string) => lockKeys(current().prefix, key),
    pod(options: Partial<Omit<LockClientOptions, 'redis' | 'keyPrefix'>> = {}): Pod {
      const b = current();
      const redis = b.connect();
      const client = new LockClient({ redis, keyPrefix: b.prefix, ...options });
      client.on('error', (err) => errors.push(err));
      clients.push(client);
      return { client, redis };
    },
  };
}

export type Suite = ReturnType<typeof useBackend>;

/** A name no other test uses. */
export const unique = (label: string): string => `${label}-${randomUUID().slice(0, 8)}`;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Generous: the suite runs on real Redis on a loaded 2-core machine too. */
export const WAIT = { timeout: 10_000, interval: 20 };

/**
 * The error a call ends with, whether it throws at once or returns a rejected promise (some calls
 * validate synchronously).
 */
export async function failure(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

/** Resolves once the Redis queue of `key` holds `n` waiting entries (one per waiting client). */
export async function queued(s: Suite, key: string, n: number): Promise<void> {
  await vi.waitFor(async () => expect(await s.backend.inspect.llen(s.keysOf(key).queue)).toBe(n), WAIT);
}
