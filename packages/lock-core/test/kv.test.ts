import { LockClient } from '@edirect/lock-core';
import { tripwire } from '@internal/test-harness';
import { describe, expect, it } from 'vitest';

describe('set / get refuse bad input before touching Redis', () => {
  const redis = tripwire();
  const client = new LockClient({ redis });

  it.each([
    ['an empty key', () => client.set('', 'v'), /key must be a non-empty string, got ""/],
    ['a number key', () => client.set(1 as unknown as string, 'v'), /key must be a non-empty string, got 1/],
    ['a non-string value', () => client.set('k', 5 as unknown as string), /value must be a string, got 5/],
    [
      'a string override',
      () => client.set('k', 'v', 'yes' as unknown as boolean),
      /override must be a boolean/,
    ],
    ['an empty key to get', () => client.get(''), /key must be a non-empty string/],
    [
      'an object key to get',
      () => client.get({} as unknown as string),
      /key must be a non-empty string, got an object/,
    ],
  ])('%s is a TypeError', async (_label, call, message) => {
    await expect(call()).rejects.toThrow(TypeError);
    await expect(call()).rejects.toThrow(message);
  });

  it('sent nothing to Redis', () => {
    expect(redis.calls).toEqual([]);
  });
});
