import { useRedis } from '@internal/test-harness';
import { describe, expect, it } from 'vitest';
import { lockKeys } from '../../src/protocol/keys.js';
import * as script from '../../src/scripts/calls.js';

const { redis, prefix } = useRedis('acquire-lua');
const redisConn = redis;
let n = 0;
const fresh = () => lockKeys(prefix, `k${++n}`);
const FAR = Date.now() + 600_000;
const entry = (token: string, ttl = 5_000, deadline = FAR, client = 'c1') =>
  `${token}|${ttl}|${deadline}|${client}`;
/** acquire.lua's three modes: a plain try, enqueue on failure, refresh an entry in place. */
enum AttemptMode {
  Try,
  Enqueue,
  Refresh,
}
const attempt = (
  keys: ReturnType<typeof fresh>,
  token: string,
  mode = AttemptMode.Try,
  e = '',
  old = '',
  ttl = 5_000,
) =>
  script.acquire({ redis, publish: 'PUBLISH' }, keys, {
    token,
    ttl,
    queue:
      mode === AttemptMode.Enqueue
        ? { do: 'enqueue', entry: e }
        : mode === AttemptMode.Refresh
          ? { do: 'refresh', entry: e, previous: old }
          : { do: 'none' },
  });
const quickAcquire = (redis: typeof redisConn, keys: ReturnType<typeof fresh>, token: string, ttl: number) =>
  script.quickAcquire(redis, keys, { token, ttl });

describe('acquire.lua on real Redis', () => {
  it('takes a free lock with PX expiry and fence 1, then 2 for the next holder', async () => {
    const keys = fresh();
    expect(await attempt(keys, 'a')).toEqual({ acquired: true, fence: 1 });
    expect(await redis.get(keys.lock)).toBe('a');
    const pttl = await redis.pttl(keys.lock);
    expect(pttl).toBeGreaterThan(4_000);
    expect(pttl).toBeLessThanOrEqual(5_000);
    await redis.del(keys.lock);
    expect(await attempt(keys, 'b')).toEqual({ acquired: true, fence: 2 });
  });

  it('reports the holder and its remaining ttl when taken, and changes nothing in try mode', async () => {
    const keys = fresh();
    await attempt(keys, 'a', AttemptMode.Try, '', '', 3_000);
    const reply = await attempt(keys, 'b');
    expect(reply.acquired).toBe(false);
    if (reply.acquired) return;
    expect(reply.holder).toBe('a');
    expect(reply.pttl).toBeGreaterThan(2_000);
    expect(reply.pttl).toBeLessThanOrEqual(3_000);
    expect(await redis.llen(keys.queue)).toBe(0);
    expect(await redis.get(keys.fence)).toBe('1');
  });

  it('renews and returns the current fence when the caller already holds the lock', async () => {
    const keys = fresh();
    await attempt(keys, 'a', AttemptMode.Try, '', '', 1_000);
    expect(await attempt(keys, 'a', AttemptMode.Try, '', '', 8_000)).toEqual({ acquired: true, fence: 1 });
    expect(await redis.pttl(keys.lock)).toBeGreaterThan(7_000);
  });

  it('enqueues the caller on failure in enqueue mode', async () => {
    const keys = fresh();
    await attempt(keys, 'a');
    await attempt(keys, 'b', AttemptMode.Enqueue, entry('b'));
    await attempt(keys, 'c', AttemptMode.Enqueue, entry('c'));
    expect(await redis.lrange(keys.queue, 0, -1)).toEqual([entry('b'), entry('c')].map(String));
  });

  it('refresh mode replaces the old entry in place, or pushes it when it is gone', async () => {
    const keys = fresh();
    await attempt(keys, 'a');
    const b1 = entry('b', 5_000, Date.now() + 10_000);
    const b2 = entry('b', 5_000, Date.now() + 20_000);
    await attempt(keys, 'b', AttemptMode.Enqueue, b1);
    await attempt(keys, 'c', AttemptMode.Enqueue, entry('c'));
    await attempt(keys, 'b', AttemptMode.Refresh, b2, b1);
    expect(await redis.lrange(keys.queue, 0, -1)).toEqual([b2, entry('c')]);
    await redis.lrem(keys.queue, 0, b2);
    const b3 = entry('b', 5_000, Date.now() + 30_000);
    await attempt(keys, 'b', AttemptMode.Refresh, b3, b2);
    expect(await redis.lrange(keys.queue, 0, -1)).toEqual([entry('c'), b3]);
  });

  it('refresh mode finds a grant it missed: the lock already holds its token', async () => {
    const keys = fresh();
    await redis.set(keys.lock, 'b', 'PX', 1_000);
    await redis.set(keys.fence, '7');
    expect(await attempt(keys, 'b', AttemptMode.Refresh, entry('b'), entry('b'))).toEqual({
      acquired: true,
      fence: 7,
    });
  });

  it('a newcomer finding the lock free but waiters queued serves the head first and queues behind', async () => {
    const keys = fresh();
    const sub = redis.duplicate();
    const heard: string[] = [];
    await sub.subscribe(`${keys.channel}:c9`);
    sub.on('message', (_ch, msg) => heard.push(msg));
    await redis.rpush(keys.queue, entry('w1', 4_000, Date.now() + 60_000, 'c9'));
    const reply = await attempt(keys, 'late', AttemptMode.Enqueue, entry('late'));
    expect(reply).toMatchObject({ acquired: false, holder: 'w1' });
    expect(await redis.get(keys.lock)).toBe('w1');
    expect(await redis.pttl(keys.lock)).toBeGreaterThan(3_000);
    expect(await redis.lrange(keys.queue, 0, -1)).toEqual([entry('late')]);
    await expect.poll(() => heard).toEqual(['w1 1']);
    sub.disconnect();
  });

  it('the queue head itself takes a free lock when it asks first', async () => {
    const keys = fresh();
    const e = entry('w1');
    await redis.rpush(keys.queue, e, entry('w2'));
    expect(await attempt(keys, 'w1', AttemptMode.Refresh, e, e)).toEqual({ acquired: true, fence: 1 });
    expect(await redis.lrange(keys.queue, 0, -1)).toEqual([entry('w2')]);
  });

  it('skips stale and malformed waiters and takes the lock when nobody live is queued', async () => {
    const keys = fresh();
    await redis.rpush(keys.queue, entry('dead', 5_000, Date.now() - 1), 'garbage', entry('dead2', 5_000, 1));
    expect(await attempt(keys, 'x')).toEqual({ acquired: true, fence: 1 });
    expect(await redis.llen(keys.queue)).toBe(0);
    expect(await redis.get(keys.lock)).toBe('x');
  });
});

describe('acquire.lua quick try (token and ttl only)', () => {
  it('takes a free lock, and reports a held one with its holder and remaining ttl', async () => {
    const keys = fresh();
    expect(await quickAcquire(redis, keys, 'a', 5_000)).toEqual({ acquired: true, fence: 1 });
    expect(await redis.pttl(keys.lock)).toBeGreaterThan(4_000);
    const reply = await quickAcquire(redis, keys, 'b', 5_000);
    expect(reply).toMatchObject({ acquired: false, holder: 'a' });
    expect(await redis.llen(keys.queue)).toBe(0);
  });

  it('leaves a free lock with waiters queued to a full call: not acquired, nothing changed', async () => {
    const keys = fresh();
    const e = entry('w1');
    await redis.rpush(keys.queue, e);
    expect(await quickAcquire(redis, keys, 'x', 5_000)).toEqual({ acquired: false, pttl: -2, holder: '' });
    expect(await redis.exists(keys.lock, keys.fence)).toBe(0);
    expect(await redis.lrange(keys.queue, 0, -1)).toEqual([e]);
    // The full call the caller makes next serves the head first.
    expect(await attempt(keys, 'x', AttemptMode.Enqueue, entry('x'))).toMatchObject({ holder: 'w1' });
  });
});

describe('acquire.lua quick try, reading before it writes', () => {
  it('a queue key of the wrong type: the error comes back and the lock is not left set', async () => {
    const keys = fresh();
    await redis.set(keys.queue, 'not a list');
    await expect(quickAcquire(redis, keys, 'x', 5_000)).rejects.toThrow(/WRONGTYPE/);
    expect(await redis.exists(keys.lock, keys.fence)).toBe(0);
  });
});

describe('acquire.lua when its fence was deleted from outside', () => {
  it('still renews the holder, re-creating the fence', async () => {
    const keys = fresh();
    await attempt(keys, 'a');
    await redis.del(keys.fence);
    expect(await attempt(keys, 'a')).toEqual({ acquired: true, fence: 1 });
    expect(await redis.get(keys.fence)).toBe('1');
  });
});
