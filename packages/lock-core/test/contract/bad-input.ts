import { LockClient } from '@edirect/lock-core';
import { describe, expect, it } from 'vitest';
import { failure, type Suite, unique } from './backend.js';

export function badInputContract(s: Suite): void {
  describe('bad input is refused before anything reaches the server', () => {
    const noop = (): void => {};
    const key = unique('bad');
    const cases: Array<[string, (c: LockClient) => unknown, ErrorConstructor, RegExp]> = [
      ['acquire("")', (c) => c.acquire(''), TypeError, /key must be a non-empty string, got ""/],
      [
        'tryAcquire(42)',
        (c) => c.tryAcquire(42 as never),
        TypeError,
        /key must be a non-empty string, got 42/,
      ],
      ['acquire ttl 0', (c) => c.acquire(key, { ttl: 0 }), RangeError, /ttl must be a positive integer/],
      ['tryAcquire ttl 1.5', (c) => c.tryAcquire(key, { ttl: 1.5 }), RangeError, /got 1.5/],
      ['acquire waitTimeout -1', (c) => c.acquire(key, { waitTimeout: -1 }), RangeError, /waitTimeout/],
      ['acquire unknown option', (c) => c.acquire(key, { tll: 5 } as never), TypeError, /unknown option/],
      ['lock callback', (c) => c.lock(key, 'nope' as never), TypeError, /callback must be a function/],
      ['lock ttl "100"', (c) => c.lock(key, noop, '100' as never), TypeError, /ttl must be a positive/],
      ['withLock fn', (c) => c.withLock(key, null as never), TypeError, /fn must be a function, got null/],
      ['set value', (c) => c.set(key, 5 as never), TypeError, /value must be a string, got 5/],
      ['set override', (c) => c.set(key, 'v', 'yes' as never), TypeError, /override must be a boolean/],
      ['get("")', (c) => c.get(''), TypeError, /key must be a non-empty string/],
    ];

    it.each(cases)('%s', async (_label, call, type, message) => {
      const { client } = s.pod();
      const err = await failure(() => call(client));
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toMatch(message);
    });

    it('left nothing behind', async () => {
      const k = s.keysOf(key);
      expect(await s.backend.inspect.exists(k.lock, k.fence, k.queue, `${s.backend.prefix}${key}`)).toBe(0);
    });

    it('bad client options are refused at construction', () => {
      const redis = s.backend.connect();
      expect(() => new LockClient({ redis, ttl: 0 })).toThrow(RangeError);
      expect(() => new LockClient({ redis, namespace: '' })).toThrow(TypeError);
      expect(() => new LockClient({ redis, instanceId: 'has space' })).toThrow(TypeError);
    });
  });
}
