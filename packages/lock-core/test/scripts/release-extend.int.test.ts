import { lockKeys } from '@edirect/lock-core/testing';
import { useRedis } from '@internal/test-harness';
import { describe, expect, it } from 'vitest';
import * as script from '../../src/scripts/calls.js';

const { redis, prefix } = useRedis('release-lua');
let n = 0;
const fresh = () => lockKeys(prefix, `k${++n}`);
type Keys = ReturnType<typeof fresh>;
const target = { redis, publish: 'PUBLISH', trustReceivers: true } as const;
const FAR = () => Date.now() + 600_000;
const entry = (token: string, ttl = 5_000, deadline = FAR(), client = 'c1') =>
  `${token}|${ttl}|${deadline}|${client}`;
const tokens = async (keys: Keys) => (await redis.lrange(keys.queue, 0, -1)).map((e) => e.split('|')[0]);

const take = async (keys: Keys, token: string): Promise<number> => {
  const reply = await script.acquire(target, keys, { token, ttl: 5_000 });
  if (!reply.acquired) throw new Error(`${token} did not get ${keys.name}`);
  return reply.fence;
};
const release = (keys: Keys, token: string, a: Omit<Parameters<typeof script.release>[2], 'token'> = {}) =>
  script.release(target, keys, { token, ...a });

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

  it('with a fence, releases only that hold: an owner lease’s token outlives its terms', async () => {
    const keys = fresh();
    const fence = await take(keys, 'id');
    expect(await release(keys, 'id', { fence: fence - 1 })).toEqual({ released: false });
    expect(await redis.get(keys.lock)).toBe('id');
    expect(await release(keys, 'id', { fence })).toEqual({ released: true });
  });

  it('hands the lock to the queue head with its ttl and the next fence, publishing on its channel', async () => {
    const keys = fresh();
    const { heard, stop } = await listen(`${keys.channel}:c7`);
    const fence = await take(keys, 'a');
    await redis.rpush(keys.queue, entry('w1', 7_000, FAR(), 'c7'), entry('w2'));
    const reply = await release(keys, 'a');
    expect(reply).toMatchObject({ released: true, handedTo: { token: 'w1' } });
    const handed = reply.handedTo?.fence ?? 0;
    expect(handed).toBeGreaterThan(fence);
    expect(await redis.get(keys.lock)).toBe('w1');
    expect(await redis.pttl(keys.lock)).toBeGreaterThan(6_000);
    expect(await tokens(keys)).toEqual(['w2']);
    await expect.poll(() => heard).toEqual([`w1 ${handed}`]);
    stop();
  });

  it('skips stale entries, and live ones nobody listens for, and frees the lock when none is left', async () => {
    const keys = fresh();
    await take(keys, 'a');
    await redis.rpush(
      keys.queue,
      entry('stale', 5_000, Date.now() - 1_000),
      entry('gone', 5_000, FAR(), 'nobody'),
    );
    expect(await release(keys, 'a')).toEqual({ released: true });
    expect(await redis.exists(keys.lock, keys.queue)).toBe(0);
  });

  it('requeue puts the caller’s next local waiter behind the others', async () => {
    const keys = fresh();
    const { stop } = await listen(`${keys.channel}:c1`);
    await take(keys, 'a');
    await redis.rpush(keys.queue, entry('other'));
    const reply = await release(keys, 'a', {
      requeue: { token: 'mine', ttl: 5_000, seat: { client: 'c2', liveFor: 5_000 } },
    });
    expect(reply).toMatchObject({ released: true, handedTo: { token: 'other' } });
    expect(await redis.lrange(keys.queue, 0, -1)).toEqual([expect.stringMatching(/^mine\|5000\|\d+\|c2$/)]);
    stop();
  });

  it('requeue into an empty queue hands the lock straight back, without publishing', async () => {
    const keys = fresh();
    const { heard, stop } = await listen(`${keys.channel}:c2`);
    const fence = await take(keys, 'a');
    const reply = await release(keys, 'a', {
      requeue: { token: 'mine', ttl: 5_000, seat: { client: 'c2', liveFor: 5_000 } },
    });
    expect(reply).toMatchObject({ released: true, handedTo: { token: 'mine' } });
    expect(reply.handedTo?.fence).toBeGreaterThan(fence);
    expect(await redis.get(keys.lock)).toBe('mine');
    await new Promise((r) => setTimeout(r, 50));
    expect(heard).toEqual([]);
    stop();
  });

  it('leave withdraws a waiter’s entry by its token, even when it holds nothing', async () => {
    const keys = fresh();
    await take(keys, 'a');
    await redis.rpush(keys.queue, entry('w1'), entry('w2'));
    expect(await release(keys, 'w1', { leave: 'w1' })).toEqual({ released: false });
    expect(await tokens(keys)).toEqual(['w2']);
    expect(await redis.get(keys.lock)).toBe('a');
    expect(await script.withdraw(target, keys, 'w2')).toEqual({ released: false });
    expect(await redis.exists(keys.queue)).toBe(0);
  });

  it('leave after a grant raced it releases the grant onward', async () => {
    const keys = fresh();
    const { stop } = await listen(`${keys.channel}:c1`);
    await redis.set(keys.lock, 'w1', 'PX', 5_000);
    await redis.rpush(keys.queue, entry('w2'));
    expect(await release(keys, 'w1', { leave: 'w1' })).toMatchObject({
      released: true,
      handedTo: { token: 'w2' },
    });
    stop();
  });
});

describe('extend.lua on real Redis', () => {
  it('extends the holder’s lock, longer or shorter', async () => {
    const keys = fresh();
    await take(keys, 'a');
    expect(await script.extend(redis, keys, { token: 'a', ttl: 20_000 })).toBe('extended');
    expect(await redis.pttl(keys.lock)).toBeGreaterThan(19_000);
    expect(await script.extend(redis, keys, { token: 'a', ttl: 1_000 })).toBe('extended');
    expect(await redis.pttl(keys.lock)).toBeLessThanOrEqual(1_000);
  });

  it('says gone when the key is gone and taken when another holder has it, changing nothing', async () => {
    const keys = fresh();
    expect(await script.extend(redis, keys, { token: 'a', ttl: 20_000 })).toBe('gone');
    await take(keys, 'b');
    expect(await script.extend(redis, keys, { token: 'a', ttl: 20_000 })).toBe('taken');
    expect(await redis.pttl(keys.lock)).toBeLessThanOrEqual(5_000);
  });
});
