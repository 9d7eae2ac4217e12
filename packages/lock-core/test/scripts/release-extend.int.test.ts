import { useRedis } from '@internal/test-harness';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { lockKeys } from '../../src/protocol/keys.js';
import * as script from '../../src/scripts/calls.js';

const { redis, prefix } = useRedis('release-lua');
let n = 0;
const fresh = () => lockKeys(prefix, `k${++n}`);
const FAR = Date.now() + 600_000;
const entry = (token: string, ttl = 5_000, deadline = FAR, client = 'c1') =>
  `${token}|${ttl}|${deadline}|${client}`;
const target = { redis, publish: 'PUBLISH' } as const;
const take = (keys: ReturnType<typeof fresh>, token: string) =>
  script.acquire(target, keys, { token, ttl: 5_000 });
const release = (keys: ReturnType<typeof fresh>, token: string, requeue = '', leave = '') =>
  script.release(target, keys, { token, requeue, leave });
const extendLock = (r: Redis, keys: ReturnType<typeof fresh>, token: string, ttl: number) =>
  script.extend(r, keys, { token, ttl });

async function listen(channel: string): Promise<{ heard: string[]; stop: () => void }> {
  const sub = redis.duplicate();
  const heard: string[] = [];
  await sub.subscribe(channel);
  sub.on('message', (_ch, msg) => heard.push(msg));
  return { heard, stop: () => sub.disconnect() };
}

describe('release.lua on real Redis', () => {
  it('deletes the lock when no one waits', async () => {
    const keys = fresh();
    await take(keys, 'a');
    expect(await release(keys, 'a')).toEqual({ released: true });
    expect(await redis.exists(keys.lock)).toBe(0);
  });

  it('never deletes another holder’s lock, and says it was not held', async () => {
    const keys = fresh();
    await take(keys, 'a');
    expect(await release(keys, 'b')).toEqual({ released: false });
    expect(await redis.get(keys.lock)).toBe('a');
  });

  it('releasing twice: the second finds nothing held', async () => {
    const keys = fresh();
    await take(keys, 'a');
    expect(await release(keys, 'a')).toEqual({ released: true });
    expect(await release(keys, 'a')).toEqual({ released: false });
  });

  it('hands the lock to the queue head with its ttl and the next fence, publishing on its channel', async () => {
    const keys = fresh();
    const { heard, stop } = await listen(`${keys.channel}:c2`);
    await take(keys, 'a');
    await redis.rpush(keys.queue, entry('w1', 7_000, Date.now() + 60_000, 'c2'), entry('w2'));
    expect(await release(keys, 'a')).toEqual({ released: true, handedTo: { token: 'w1', fence: 2 } });
    expect(await redis.get(keys.lock)).toBe('w1');
    expect(await redis.pttl(keys.lock)).toBeGreaterThan(6_000);
    expect(await redis.lrange(keys.queue, 0, -1)).toEqual([entry('w2')]);
    await expect.poll(() => heard).toEqual(['w1 2']);
    stop();
  });

  it('skips stale waiters when handing over', async () => {
    const keys = fresh();
    await take(keys, 'a');
    await redis.rpush(keys.queue, entry('dead', 5_000, Date.now() - 10), entry('live'));
    expect(await release(keys, 'a')).toMatchObject({ released: true, handedTo: { token: 'live' } });
  });

  it('frees the lock when every queued waiter is stale', async () => {
    const keys = fresh();
    await take(keys, 'a');
    await redis.rpush(keys.queue, entry('dead', 5_000, Date.now() - 10));
    expect(await release(keys, 'a')).toEqual({ released: true });
    expect(await redis.exists(keys.lock, keys.queue)).toBe(0);
  });

  it('requeue puts the caller’s next local waiter behind the others', async () => {
    const keys = fresh();
    await take(keys, 'a');
    await redis.rpush(keys.queue, entry('other'));
    expect(await release(keys, 'a', entry('mine'))).toMatchObject({ handedTo: { token: 'other' } });
    expect(await redis.lrange(keys.queue, 0, -1)).toEqual([entry('mine')]);
  });

  it('requeue into an empty queue hands the lock straight back, without publishing', async () => {
    const keys = fresh();
    const { heard, stop } = await listen(`${keys.channel}:c1`);
    await take(keys, 'a');
    expect(await release(keys, 'a', entry('mine'))).toEqual({
      released: true,
      handedTo: { token: 'mine', fence: 2 },
    });
    expect(await redis.get(keys.lock)).toBe('mine');
    await new Promise((r) => setTimeout(r, 50));
    expect(heard).toEqual([]);
    stop();
  });

  it('leave withdraws a waiter’s entry even when it holds nothing', async () => {
    const keys = fresh();
    await take(keys, 'a');
    await redis.rpush(keys.queue, entry('w1'), entry('w2'));
    expect(await release(keys, 'w1', '', entry('w1'))).toEqual({ released: false });
    expect(await redis.lrange(keys.queue, 0, -1)).toEqual([entry('w2')]);
    expect(await redis.get(keys.lock)).toBe('a');
  });

  it('leave after a grant raced it releases the grant onward', async () => {
    const keys = fresh();
    await redis.set(keys.lock, 'w1', 'PX', 5_000);
    await redis.rpush(keys.queue, entry('w2'));
    expect(await release(keys, 'w1', '', entry('w1'))).toMatchObject({
      released: true,
      handedTo: { token: 'w2' },
    });
  });
});

describe('extend.lua on real Redis', () => {
  it('extends the holder’s lock', async () => {
    const keys = fresh();
    await take(keys, 'a');
    expect(await extendLock(redis, keys, 'a', 20_000)).toBe('extended');
    expect(await redis.pttl(keys.lock)).toBeGreaterThan(19_000);
  });

  it('says gone when the key is gone and taken when another holder has it, changing nothing', async () => {
    const keys = fresh();
    expect(await extendLock(redis, keys, 'a', 20_000)).toBe('gone');
    await take(keys, 'b');
    expect(await extendLock(redis, keys, 'a', 20_000)).toBe('taken');
    expect(await redis.pttl(keys.lock)).toBeLessThanOrEqual(5_000);
  });
});
