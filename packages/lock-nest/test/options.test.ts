import { LockModule } from '@edirect/lock';
import { tripwire } from '@internal/test-harness';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { planModule } from '../src/validate-options.js';

/**
 * Bad configuration fails at bootstrap, before any connection is made, with an error that names the
 * option. Every case runs through register and through registerAsync (options from a factory, as an app
 * reading its environment would give them).
 */

const bootRegister = async (options: unknown) =>
  Test.createTestingModule({ imports: [LockModule.register(options as never)] }).compile();
const bootAsync = async (options: unknown) =>
  Test.createTestingModule({
    imports: [LockModule.registerAsync({ useFactory: async () => options as never })],
  }).compile();

const cases: Array<[string, () => unknown, RegExp | string, ErrorConstructor]> = [
  [
    'options that are not an object',
    () => 'redis://localhost:6379',
    'LockModule options must be an object, got a string',
    TypeError,
  ],
  [
    'no redis and no connection',
    () => ({ lockOwner: 'ns' }),
    /LockModule options\.redis is required .* got undefined/,
    TypeError,
  ],
  [
    'both redis and connection',
    () => ({ redis: 'redis://x', connection: tripwire() }),
    'either redis or connection, got both',
    TypeError,
  ],
  [
    'a missing host',
    () => ({ redis: { port: 6379 } }),
    'LockModule options.redis.host must be a non-empty string, got undefined',
    TypeError,
  ],
  [
    'an empty host (REDIS_HOST="")',
    () => ({ redis: { host: '', port: 6379 } }),
    'options.redis.host must be a non-empty string, got ""',
    TypeError,
  ],
  [
    'a port that is NaN',
    () => ({ redis: { host: 'h', port: Number('abc') } }),
    'LockModule options.redis.port must be a port number from 1 to 65535, got NaN',
    RangeError,
  ],
  [
    'a port given as a string',
    () => ({ redis: { host: 'h', port: '6379' } }),
    'LockModule options.redis.port must be a number, got "6379"',
    TypeError,
  ],
  [
    'a port out of range',
    () => ({ redis: { host: 'h', port: 70_000 } }),
    'options.redis.port must be a port number from 1 to 65535, got 70000',
    RangeError,
  ],
  [
    'a password that is not a string',
    () => ({ redis: { host: 'h', password: 1234 } }),
    'LockModule options.redis.password must be a string, got a number',
    TypeError,
  ],
  [
    'a db that is not an index',
    () => ({ redis: { host: 'h', db: -1 } }),
    'LockModule options.redis.db must be a non-negative integer, got -1',
    TypeError,
  ],
  [
    'tls of the wrong type',
    () => ({ redis: { host: 'h', tls: 'yes' } }),
    'LockModule options.redis.tls must be a boolean or tls.connect options',
    TypeError,
  ],
  [
    'an unknown redis option',
    () => ({ redis: { host: 'h', keyPrefix: 'x' } }),
    /options\.redis has an unknown option "keyPrefix".*options\.connection/,
    TypeError,
  ],
  [
    'redis of the wrong type',
    () => ({ redis: 6379 }),
    'LockModule options.redis must be { host, port, … } or a redis:// URL, got 6379',
    TypeError,
  ],
  [
    'a client given as redis',
    () => ({ redis: tripwire() }),
    'a Redis client you made goes in options.connection',
    TypeError,
  ],
  [
    'a URL of another scheme',
    () => ({ redis: 'http://localhost:6379' }),
    'options.redis must be a redis:// or rediss:// URL, got a http:// URL',
    TypeError,
  ],
  [
    'a string that is no URL',
    () => ({ redis: 'localhost:6379:x' }),
    'options.redis must be a redis:// or rediss:// URL',
    TypeError,
  ],
  [
    'an unknown option',
    () => ({ redis: 'redis://h', redisHost: 'h' }),
    'LockModule options has an unknown option "redisHost"',
    TypeError,
  ],
  [
    'the core name for lockOwner',
    () => ({ redis: 'redis://h', namespace: 'x' }),
    '"namespace" (the namespace is called lockOwner here)',
    TypeError,
  ],
  [
    'an empty lockOwner',
    () => ({ redis: 'redis://h', lockOwner: '' }),
    'LockModule options.lockOwner must be a non-empty string, got ""',
    TypeError,
  ],
  [
    'a readyTimeout that is not ms',
    () => ({ redis: 'redis://h', readyTimeout: 0 }),
    'LockModule options.readyTimeout must be a positive integer of milliseconds, got 0',
    TypeError,
  ],
  [
    'a connection that is not a Redis',
    () => ({ connection: { get() {} } }),
    'LockModule options.connection must be an ioredis Redis or Cluster, or an InMemoryRedis',
    TypeError,
  ],
  [
    'a core option of the wrong value',
    () => ({ connection: tripwire(), ttl: -1 }),
    'LockModule options.ttl must be a positive integer of milliseconds',
    RangeError,
  ],
  [
    'a core option of the wrong type',
    () => ({ connection: tripwire(), keyPrefix: 3 }),
    'LockModule options.keyPrefix must be a string, got 3',
    TypeError,
  ],
  [
    'an instanceId the core refuses',
    () => ({ connection: tripwire(), instanceId: 'a b' }),
    'LockModule options.instanceId must not contain whitespace',
    TypeError,
  ],
];

describe.each([
  ['register', bootRegister],
  ['registerAsync', bootAsync],
])('LockModule.%s refuses bad configuration at bootstrap', (_name, boot) => {
  it.each(cases)('%s', async (_case, options, message, type) => {
    const failed = boot(options());
    await expect(failed).rejects.toThrow(message);
    await expect(failed).rejects.toBeInstanceOf(type);
  });

  it('never echoes a password from a URL or the redis options', async () => {
    await expect(boot('redis://user:s3cret@localhost:6379')).rejects.not.toThrow(/s3cret/);
    await expect(boot({ redis: 'ftp://user:s3cret@localhost' })).rejects.not.toThrow(/s3cret/);
    await expect(boot({ redis: { host: 'h', password: ['s3cret'] } })).rejects.not.toThrow(/s3cret/);
  });

  it('touches no Redis when an option is bad', async () => {
    const connection = tripwire();
    await expect(boot({ connection, ttl: 1.5 })).rejects.toThrow('options.ttl');
    expect(connection.calls).toEqual([]);
  });
});

describe('LockModule.registerAsync refuses a definition it cannot use', () => {
  it.each([
    ['nothing to make options with', {}],
    ['not an object', undefined],
    ['inject without useFactory', { inject: ['X'] }],
  ])('%s', (_name, options) => {
    expect(() => LockModule.registerAsync(options as never)).toThrow(
      'LockModule.registerAsync needs useFactory, useClass or useExisting',
    );
  });
});

describe('what valid options become', () => {
  it('the original { host, port, password } with REDIS_PASS unset or empty: no AUTH is sent', () => {
    for (const password of [undefined, '', null]) {
      expect(planModule({ redis: { host: 'redis.local', port: 6380, password } }).connection).toEqual({
        kind: 'options',
        options: { host: 'redis.local', port: 6380 },
        where: 'redis.local:6380',
      });
    }
  });

  it('port defaults to 6379; username, db and tls pass through; tls: true means Node defaults', () => {
    const plan = planModule({ redis: { host: 'h', username: 'u', password: 'p', db: 2, tls: true } });
    expect(plan.connection).toMatchObject({
      kind: 'options',
      options: { host: 'h', port: 6379, username: 'u', password: 'p', db: 2, tls: {} },
    });
    expect(planModule({ redis: { host: 'h', tls: { servername: 'x' } } }).connection).toMatchObject({
      options: { tls: { servername: 'x' } },
    });
    expect(planModule({ redis: { host: 'h', tls: false } }).connection).not.toHaveProperty('options.tls');
  });

  it('a URL is kept for ioredis, and shown without its password', () => {
    expect(planModule({ redis: 'rediss://user:pw@cache:6380/1' }).connection).toEqual({
      kind: 'url',
      url: 'rediss://user:pw@cache:6380/1',
      where: 'rediss://user:***@cache:6380/1',
    });
  });

  it('lockOwner becomes the namespace; core options pass through; timeouts default to 10 s and 5 s', () => {
    const logger = { error: () => {} };
    const plan = planModule({
      connection: tripwire(),
      lockOwner: 'billing',
      keyPrefix: 'app:',
      ttl: 1_000,
      ownerTtl: 2_000,
      instanceId: 'pod-1',
      fallbackPoll: 500,
      logger,
    });
    expect(plan.client).toEqual({
      namespace: 'billing',
      keyPrefix: 'app:',
      ttl: 1_000,
      ownerTtl: 2_000,
      instanceId: 'pod-1',
      fallbackPoll: 500,
      logger,
      shutdownTimeout: 5_000, // the module's: running work gets as long to finish at shutdown
    });
    expect([plan.readyTimeout, plan.shutdownTimeout]).toEqual([10_000, 5_000]);
  });
});
