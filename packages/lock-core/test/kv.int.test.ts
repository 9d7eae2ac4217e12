import { LockClient } from '@edirect/lock-core';
import { useRedis } from '@internal/test-harness';
import { afterAll, describe, expect, it } from 'vitest';

const { redis, prefix } = useRedis('kv');
const client = new LockClient({ redis, keyPrefix: prefix });
afterAll(() => client.close());

describe('set / get on real Redis', () => {
  it('stores a value and reads it back', async () => {
    await client.set('flag', 'true');
    expect(await client.get('flag')).toBe('true');
    expect(await redis.get(`${prefix}flag`)).toBe('true');
  });

  it('keeps an existing value unless override is true', async () => {
    await client.set('kept', 'first');
    await client.set('kept', 'second');
    expect(await client.get('kept')).toBe('first');
    await client.set('kept', 'third', true);
    expect(await client.get('kept')).toBe('third');
  });

  it('reads null for a missing key', async () => {
    expect(await client.get('missing')).toBeNull();
  });
});
