import type { LockClientOptions, RedisConnection } from '@edirect/lock-core';
import type { RedisOptions } from 'ioredis';

/**
 * Checks the module's options at bootstrap, before any connection is made, and turns them into a plan.
 * Each error names the option and what it got, so a misconfigured pod says what to fix in its first log
 * line instead of timing out later.
 */

/** What the module will connect with. `where` is for messages and never holds a password. */
export type ConnectionPlan =
  | { kind: 'given'; connection: RedisConnection }
  | { kind: 'url'; url: string; where: string }
  | { kind: 'options'; options: RedisOptions; where: string };

export interface ModulePlan {
  connection: ConnectionPlan;
  /** Everything the core's `LockClient` takes except the connection; the core validates the values. */
  client: Omit<LockClientOptions, 'redis'>;
  readyTimeout: number;
  shutdownTimeout: number;
}

const DEFAULT_READY_TIMEOUT = 10_000;
const DEFAULT_SHUTDOWN_TIMEOUT = 5_000;
const MAX_MS = 2 ** 31 - 1;

const KNOWN = [
  'lockOwner',
  'redis',
  'connection',
  'readyTimeout',
  'shutdownTimeout',
  'instanceId',
  'keyPrefix',
  'ttl',
  'ownerTtl',
  'fallbackPoll',
  'logger',
] as const;
const CORE_PASSTHROUGH = ['instanceId', 'keyPrefix', 'ttl', 'ownerTtl', 'fallbackPoll', 'logger'] as const;
const KNOWN_REDIS = ['host', 'port', 'password', 'username', 'db', 'tls'] as const;

export function planModule(options: unknown): ModulePlan {
  if (!isPlainObject(options)) {
    // typeofValue, not describe: a URL string given by mistake may hold a password.
    throw new TypeError(`LockModule options must be an object, got ${typeofValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if ((KNOWN as readonly string[]).includes(key)) continue;
    const hint = key === 'namespace' ? ' (the namespace is called lockOwner here)' : '';
    throw new TypeError(
      `LockModule options has an unknown option "${key}"${hint}; known options: ${KNOWN.join(', ')}`,
    );
  }
  const client: Omit<LockClientOptions, 'redis'> = {};
  if (options.lockOwner !== undefined) {
    if (typeof options.lockOwner !== 'string' || options.lockOwner === '') {
      throw new TypeError(
        `LockModule options.lockOwner must be a non-empty string, got ${describe(options.lockOwner)}`,
      );
    }
    client.namespace = options.lockOwner;
  }
  for (const key of CORE_PASSTHROUGH) {
    if (options[key] !== undefined) Object.assign(client, { [key]: options[key] });
  }
  const shutdownTimeout = msOption(options.shutdownTimeout, 'shutdownTimeout', DEFAULT_SHUTDOWN_TIMEOUT);
  // The same bound lets running work finish at shutdown, before the releases (see closeLockRuntime).
  client.shutdownTimeout = shutdownTimeout;
  return {
    connection: planConnection(options.redis, options.connection),
    client,
    readyTimeout: msOption(options.readyTimeout, 'readyTimeout', DEFAULT_READY_TIMEOUT),
    shutdownTimeout,
  };
}

function planConnection(redis: unknown, connection: unknown): ConnectionPlan {
  if (redis !== undefined && connection !== undefined) {
    throw new TypeError('LockModule options must give either redis or connection, got both');
  }
  if (connection !== undefined) {
    const c = connection as Partial<RedisConnection> | null;
    if (typeof c?.evalsha !== 'function' || typeof c.duplicate !== 'function') {
      throw new TypeError(
        `LockModule options.connection must be an ioredis Redis or Cluster, or an InMemoryRedis, got ${describe(connection)}`,
      );
    }
    return { kind: 'given', connection: connection as RedisConnection };
  }
  if (redis === undefined || redis === null) {
    throw new TypeError(
      `LockModule options.redis is required ({ host, port, password } or a redis:// URL), unless options.connection is given; got ${describe(redis)}`,
    );
  }
  if (typeof redis === 'string') return planUrl(redis);
  if (typeof (redis as Partial<RedisConnection>).evalsha === 'function') {
    throw new TypeError(
      'LockModule options.redis takes { host, port, … } or a URL; a Redis client you made goes in options.connection',
    );
  }
  if (!isPlainObject(redis)) {
    throw new TypeError(
      `LockModule options.redis must be { host, port, … } or a redis:// URL, got ${describe(redis)}`,
    );
  }
  return planRedisOptions(redis);
}

function planUrl(url: string): ConnectionPlan {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`LockModule options.redis must be a redis:// or rediss:// URL, got an invalid URL`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(
      `LockModule options.redis must be a redis:// or rediss:// URL, got a ${parsed.protocol}// URL`,
    );
  }
  if (parsed.password) parsed.password = '***';
  return { kind: 'url', url, where: parsed.toString() };
}

function planRedisOptions(redis: Record<string, unknown>): ConnectionPlan {
  for (const key of Object.keys(redis)) {
    if (!(KNOWN_REDIS as readonly string[]).includes(key)) {
      throw new TypeError(
        `LockModule options.redis has an unknown option "${key}"; known options: ${KNOWN_REDIS.join(', ')}. ` +
          'For other ioredis settings, make the connection yourself and pass it as options.connection.',
      );
    }
  }
  const { host, port = 6379, password, username, db, tls } = redis;
  if (typeof host !== 'string' || host === '') {
    throw new TypeError(`LockModule options.redis.host must be a non-empty string, got ${describe(host)}`);
  }
  if (typeof port !== 'number') {
    throw new TypeError(`LockModule options.redis.port must be a number, got ${describe(port)}`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new RangeError(`LockModule options.redis.port must be a port number from 1 to 65535, got ${port}`);
  }
  const options: RedisOptions = { host, port };
  // The original setup passes `configService.get('REDIS_PASS')`, which is undefined or '' when unset.
  const pass = optionalString(password, 'password');
  if (pass) options.password = pass;
  const user = optionalString(username, 'username');
  if (user) options.username = user;
  if (db !== undefined) {
    if (typeof db !== 'number' || !Number.isInteger(db) || db < 0) {
      throw new TypeError(`LockModule options.redis.db must be a non-negative integer, got ${describe(db)}`);
    }
    options.db = db;
  }
  if (tls !== undefined && tls !== false) {
    if (tls !== true && !isPlainObject(tls)) {
      throw new TypeError(
        `LockModule options.redis.tls must be a boolean or tls.connect options, got ${describe(tls)}`,
      );
    }
    options.tls = tls === true ? {} : tls;
  }
  return { kind: 'options', options, where: `${host}:${port}` };
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    // Never echo the value: it may be a secret.
    throw new TypeError(`LockModule options.redis.${name} must be a string, got ${typeofValue(value)}`);
  }
  return value;
}

function msOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > MAX_MS) {
    throw new TypeError(
      `LockModule options.${name} must be a positive integer of milliseconds, got ${describe(value)}`,
    );
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function typeofValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `"${value.slice(0, 40)}…"` : `"${value}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}
