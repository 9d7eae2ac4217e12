import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis, lockKeys } from '@edirect/lock-core/testing';
import { tripwire } from '@internal/test-harness';
import { describe, expect, it } from 'vitest';

const redis = tripwire();
const client = new LockClient({ redis });
const noop = () => {};

type Call = [
  label: string,
  call: () => unknown,
  error: typeof TypeError | typeof RangeError,
  message: RegExp,
];

const keyCases = (name: string, call: (key: unknown) => unknown): Call[] => [
  [`${name}: empty key`, () => call(''), TypeError, /key must be a non-empty string, got ""/],
  [`${name}: number key`, () => call(42), TypeError, /key must be a non-empty string, got 42/],
  [
    `${name}: undefined key`,
    () => call(undefined),
    TypeError,
    /key must be a non-empty string, got undefined/,
  ],
];

const ttlCases = (name: string, call: (ttl: unknown) => unknown): Call[] => [
  [
    `${name}: ttl 0`,
    () => call(0),
    RangeError,
    /ttl must be a positive integer of milliseconds up to 2147483647, got 0/,
  ],
  [`${name}: negative ttl`, () => call(-5), RangeError, /got -5/],
  [`${name}: NaN ttl`, () => call(Number.NaN), RangeError, /got NaN/],
  [`${name}: Infinity ttl`, () => call(Number.POSITIVE_INFINITY), RangeError, /got Infinity/],
  [`${name}: fractional ttl`, () => call(1.5), RangeError, /got 1.5/],
  [`${name}: ttl above 2^31-1`, () => call(2 ** 31), RangeError, /got 2147483648/],
  [
    `${name}: string ttl`,
    () => call('100'),
    TypeError,
    /ttl must be a positive integer of milliseconds, got "100"/,
  ],
];

const cases: Call[] = [
  ...keyCases('lock', (k) => client.lock(k as string, noop)),
  ...keyCases('acquire', (k) => client.acquire(k as string)),
  ...keyCases('tryAcquire', (k) => client.tryAcquire(k as string)),
  ...keyCases('withLock', (k) => client.withLock(k as string, noop)),
  ...ttlCases('lock', (ttl) => client.lock('k', noop, ttl as number)),
  ...ttlCases('acquire', (ttl) => client.acquire('k', { ttl: ttl as number })),
  ...ttlCases('tryAcquire', (ttl) => client.tryAcquire('k', { ttl: ttl as number })),
  [
    'lock: callback not a function',
    () => client.lock('k', 'nope' as never),
    TypeError,
    /callback must be a function, got "nope"/,
  ],
  [
    'withLock: fn not a function',
    () => client.withLock('k', null as never),
    TypeError,
    /fn must be a function, got null/,
  ],
  [
    'acquire: negative waitTimeout',
    () => client.acquire('k', { waitTimeout: -1 }),
    RangeError,
    /options.waitTimeout must be an integer of milliseconds from 0/,
  ],
  [
    'acquire: fractional waitTimeout',
    () => client.acquire('k', { waitTimeout: 0.5 }),
    RangeError,
    /options.waitTimeout/,
  ],
  [
    'acquire: signal not an AbortSignal',
    () => client.acquire('k', { signal: {} as AbortSignal }),
    TypeError,
    /options.signal must be an AbortSignal, got an object/,
  ],
  [
    'tryAcquire: waitTimeout (it never waits)',
    () => client.tryAcquire('k', { waitTimeout: 100 } as never),
    TypeError,
    /options.waitTimeout does not apply to tryAcquire: it makes one attempt and never waits/,
  ],
  [
    'tryAcquire: signal (it never waits)',
    () => client.tryAcquire('k', { signal: new AbortController().signal } as never),
    TypeError,
    /options.signal does not apply to tryAcquire/,
  ],
  [
    'acquire: autoExtend not a boolean',
    () => client.acquire('k', { autoExtend: 'yes' as never }),
    TypeError,
    /options.autoExtend must be a boolean/,
  ],
  ['acquire: maxHold 0', () => client.acquire('k', { maxHold: 0 }), RangeError, /options.maxHold/],
  [
    'acquire: unknown option',
    () => client.acquire('k', { tll: 5 } as never),
    TypeError,
    /unknown option "tll"/,
  ],
  [
    'acquire: options not an object',
    () => client.acquire('k', 5 as never),
    TypeError,
    /options must be an object, got 5/,
  ],
  [
    'elect: renewDeadline >= leaseTtl',
    () => client.elect({ leaseTtl: 1_000, renewDeadline: 1_000 }),
    RangeError,
    /renewDeadline \(1000\) must be less than options.leaseTtl \(1000\)/,
  ],
  [
    'elect: retryPeriod >= renewDeadline',
    () => client.elect({ renewDeadline: 1_000, retryPeriod: 2_000 }),
    RangeError,
    /retryPeriod \(2000\) must be less than options.renewDeadline \(1000\)/,
  ],
  [
    'elect: onElected not a function',
    () => client.elect({ onElected: 1 as never }),
    TypeError,
    /options.onElected must be a function/,
  ],
  [
    'elect: empty name',
    () => client.elect({ name: '' }),
    TypeError,
    /options.name must be a non-empty string/,
  ],
];

async function thrown(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('every public call refuses bad input before touching Redis', () => {
  it.each(cases)('%s', async (_label, call, type, message) => {
    const err = await thrown(call);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
  });

  it('lock() throws synchronously (it returns void, so there is no promise to reject)', () => {
    expect(() => client.lock('', noop)).toThrow(TypeError);
  });

  it('sent nothing to Redis and made no connection', () => {
    expect(redis.calls).toEqual([]);
  });
});

describe('lease.extend(ttl)', () => {
  it.each([
    [0, RangeError, /ttl must be a positive integer of milliseconds/],
    [1.5, RangeError, /ttl must be a positive integer of milliseconds/],
    [3e9, RangeError, /up to 2147483647, got 3000000000/],
    ['30000', TypeError, /ttl must be a positive integer of milliseconds, got "30000"/],
  ])('refuses %o before touching Redis', async (ttl, type, message) => {
    const server = new InMemoryRedis();
    const owner = new LockClient({ redis: server });
    const lease = await owner.acquire('k', { autoExtend: false });
    const before = await server.pttl(lockKeys('', lease.key).lock);
    const err = await lease.extend(ttl as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
    expect(await server.pttl(lockKeys('', lease.key).lock)).toBeLessThanOrEqual(before);
    expect(lease.isHeld()).toBe(true);
    await owner.close();
  });
});

describe('client options', () => {
  it.each([
    [{}, /options.redis must be an ioredis Redis or Cluster, or an InMemoryRedis, got undefined/],
    [{ redis: {} }, /options.redis must be/],
    [{ redis, ttl: 0 }, /options.ttl/],
    [{ redis, ownerTtl: -1 }, /options.ownerTtl/],
    [{ redis, namespace: '' }, /options.namespace must be a non-empty string/],
    [{ redis, instanceId: 'a b' }, /options.instanceId must not contain whitespace/],
    [{ redis, keyPrefix: 3 }, /options.keyPrefix must be a string, got 3/],
    [{ redis, colour: 'red' }, /unknown option "colour"/],
  ])('%o is refused', (options, message) => {
    expect(() => new LockClient(options as never)).toThrow(message);
  });
});
