import { lockKeys } from '@edirect/lock-core/testing';
import { useRedis } from '@internal/test-harness';
import { describe, expect, it } from 'vitest';
import * as script from '../../src/scripts/calls.js';

const { redis, prefix } = useRedis('acquire-lua');
let n = 0;
const fresh = () => lockKeys(prefix, `k${++n}`);
type Keys = ReturnType<typeof fresh>;
const target = { redis, publish: 'PUBLISH', trustReceivers: true } as const;
const seat = (client = 'c1', liveFor = 5_000) => ({ client, liveFor });
const FAR = () => Date.now() + 600_000;
const entry = (token: string, ttl = 5_000, deadline = FAR(), client = 'c1') =>
  `${token}|${ttl}|${deadline}|${client}`;

/** The server's clock, µs: fences are taken from it. */
async function serverMicros(): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1_000_000 + Number(us);
}

async function listen(channel: string): Promise<{ heard: string[]; stop: () => void }> {
  const sub = redis.duplicate();
  const heard: string[] = [];
  await sub.subscribe(channel);
  sub.on('message', (_ch, msg) => heard.push(msg));
  return { heard, stop: () => sub.disconnect() };
}

const take = (keys: Keys, token: string, ttl = 5_000) => script.acquire(target, keys, { token, ttl });
const queue = (keys: Keys, token: string, client = 'c1', liveFor = 5_000) =>
  script.acquire(target, keys, { token, ttl: 5_000, queue: seat(client, liveFor) });

describe('acquire.lua on real Redis', () => {
  it('takes a free lock with PX expiry and a fence from the server clock; the next holder gets a larger one', async () => {
    const keys = fresh();
    const before = await serverMicros();
    const first = await take(keys, 'a');
    const after = await serverMicros();
    expect(first.acquired).toBe(true);
    const fence = first.acquired ? first.fence : 0;
    expect(fence).toBeGreaterThanOrEqual(before);
    expect(fence).toBeLessThanOrEqual(after);
    expect(await redis.get(keys.lock)).toBe('a');
    expect(Number(await redis.get(keys.fence))).toBe(fence);
    const pttl = await redis.pttl(keys.lock);
    expect(pttl).toBeGreaterThan(4_000);
    expect(pttl).toBeLessThanOrEqual(5_000);
    await redis.del(keys.lock);
    const second = await take(keys, 'b');
    expect(second.acquired && second.fence).toBeGreaterThan(fence);
  });

  it('reports the holder and its remaining ttl when taken, and changes nothing in a plain try', async () => {
    const keys = fresh();
    await take(keys, 'a', 3_000);
    const fence = await redis.get(keys.fence);
    const reply = await take(keys, 'b');
    expect(reply.acquired).toBe(false);
    if (reply.acquired) return;
    expect(reply.holder).toBe('a');
    expect(reply.pttl).toBeGreaterThan(2_000);
    expect(reply.pttl).toBeLessThanOrEqual(3_000);
    expect(await redis.llen(keys.queue)).toBe(0);
    expect(await redis.get(keys.fence)).toBe(fence);
  });

  it('a waiter finding the lock already its own (a grant it has not heard) renews it, same hold, same fence', async () => {
    const keys = fresh();
    const first = await take(keys, 'a', 1_000);
    const again = await queue(keys, 'a');
    expect(again).toEqual(first);
    expect(await redis.pttl(keys.lock)).toBeGreaterThan(4_000);
  });

  it('a reused token (an owner lease’s instance id) finding it already its own gets a new hold, a new fence', async () => {
    const keys = fresh();
    const first = await take(keys, 'id', 1_000);
    const reused = await script.acquire(target, keys, { token: 'id', ttl: 5_000, reused: true });
    expect(reused.acquired && reused.fence).toBeGreaterThan(first.acquired ? first.fence : Infinity);
    expect(await redis.pttl(keys.lock)).toBeGreaterThan(4_000);
  });

  it('a reused token finding a longer hold of its own never shortens it: an older lease of its client keeps it', async () => {
    const keys = fresh();
    await take(keys, 'id', 9_000);
    const reused = await script.acquire(target, keys, { token: 'id', ttl: 1_000, reused: true });
    expect(reused.acquired).toBe(true);
    expect(await redis.pttl(keys.lock)).toBeGreaterThan(8_000);
  });

  it('a reused token without a seat takes a free lock, and on a held one is refused and not queued', async () => {
    const keys = fresh();
    const free = await script.acquire(target, keys, { token: 'id', ttl: 5_000, reused: true });
    expect(free.acquired).toBe(true);
    const held = await script.acquire(target, keys, { token: 'other', ttl: 5_000, reused: true });
    expect(held).toMatchObject({ acquired: false, holder: 'id' });
    expect(await redis.llen(keys.queue)).toBe(0);
  });

  it('a quick try sent twice (a client resending after a reconnect) keeps the hold its first run took', async () => {
    const keys = fresh();
    const first = await script.quickAcquire(redis, keys, { token: 'q', ttl: 5_000 });
    expect(await script.quickAcquire(redis, keys, { token: 'q', ttl: 5_000 })).toEqual(first);
  });

  it('a claim that finds the lock already its own leaves the expiry alone and says what is left', async () => {
    const keys = fresh();
    const first = await take(keys, 'a', 3_000);
    const claim = await script.acquire(target, keys, { token: 'a', ttl: 60_000, claim: true });
    expect(claim.acquired && claim.fence).toBeGreaterThan(first.acquired ? first.fence : Infinity);
    expect(claim.acquired && claim.remaining).toBeGreaterThan(2_000);
    expect(claim.acquired && claim.remaining).toBeLessThanOrEqual(3_000);
    expect(await redis.pttl(keys.lock)).toBeLessThanOrEqual(3_000);
  });

  it('queues the caller on failure, stamped with the server clock; asking again refreshes it in place', async () => {
    const keys = fresh();
    await take(keys, 'a');
    const before = Date.now();
    await queue(keys, 'b', 'c1', 5_000);
    await queue(keys, 'c', 'c2', 5_000);
    const [b1, c1] = await redis.lrange(keys.queue, 0, -1);
    const [, , bDeadline] = (b1 ?? '').split('|');
    expect(b1).toMatch(/^b\|5000\|\d+\|c1$/);
    expect(c1).toMatch(/^c\|5000\|\d+\|c2$/);
    expect(Number(bDeadline)).toBeGreaterThanOrEqual(before + 5_000 - 50); // the server's clock, not ours
    expect(Number(bDeadline)).toBeLessThanOrEqual(Date.now() + 5_000 + 50);
    await new Promise((r) => setTimeout(r, 20));
    await queue(keys, 'b', 'c1', 9_000); // a refresh: b keeps its place, with a later deadline
    const [b2, c2] = await redis.lrange(keys.queue, 0, -1);
    expect(b2?.split('|')[0]).toBe('b');
    expect(Number(b2?.split('|')[2])).toBeGreaterThan(Number(bDeadline) + 3_000);
    expect(c2).toBe(c1);
  });

  it('a refresh whose entry was dropped (handed over, withdrawn) queues it again at the tail', async () => {
    const keys = fresh();
    await take(keys, 'a');
    await queue(keys, 'b');
    await queue(keys, 'c');
    await redis.lpop(keys.queue);
    await queue(keys, 'b');
    expect((await redis.lrange(keys.queue, 0, -1)).map((e) => e.split('|')[0])).toEqual(['c', 'b']);
  });

  it('a newcomer finding the lock free but waiters queued serves the head first and queues behind', async () => {
    const keys = fresh();
    const { heard, stop } = await listen(`${keys.channel}:c9`);
    await redis.rpush(keys.queue, entry('w1', 4_000, FAR(), 'c9'));
    const reply = await queue(keys, 'late');
    expect(reply).toMatchObject({ acquired: false, holder: 'w1' });
    expect(await redis.get(keys.lock)).toBe('w1');
    expect(await redis.pttl(keys.lock)).toBeGreaterThan(3_000);
    expect((await redis.lrange(keys.queue, 0, -1)).map((e) => e.split('|')[0])).toEqual(['late']);
    const fence = await redis.get(keys.fence);
    // The grant carries the fence in full (16 digits), not in Lua's %.14g.
    await expect.poll(() => heard).toEqual([`w1 ${fence}`]);
    stop();
  });

  it('the queue head itself takes a free lock when it asks first', async () => {
    const keys = fresh();
    await redis.rpush(keys.queue, entry('w1'), entry('w2'));
    expect(await queue(keys, 'w1')).toMatchObject({ acquired: true });
    expect((await redis.lrange(keys.queue, 0, -1)).map((e) => e.split('|')[0])).toEqual(['w2']);
  });

  it('the queue head taking it itself holds it for the ttl it asks now, not its entry’s', async () => {
    const keys = fresh();
    await redis.rpush(keys.queue, entry('id', 60_000));
    // An owner claim (ttl 2 s) served from its election's entry (queued with 60 s).
    expect(await script.acquire(target, keys, { token: 'id', ttl: 2_000, claim: true })).toMatchObject({
      acquired: true,
    });
    expect(await redis.pttl(keys.lock)).toBeLessThanOrEqual(2_000);
  });

  it('skips stale and malformed waiters and takes the lock when nobody live is queued', async () => {
    const keys = fresh();
    await redis.rpush(
      keys.queue,
      entry('dead', 5_000, Date.now() - 1_000),
      'garbage',
      entry('dead2', 5_000, 1),
    );
    expect(await take(keys, 'x')).toMatchObject({ acquired: true });
    expect(await redis.llen(keys.queue)).toBe(0);
    expect(await redis.get(keys.lock)).toBe('x');
  });

  it('skips a live entry whose grant nobody hears (its process is gone) and serves the next at once', async () => {
    const keys = fresh();
    const { heard, stop } = await listen(`${keys.channel}:alive`);
    await redis.rpush(
      keys.queue,
      entry('gone', 5_000, FAR(), 'nobody'),
      entry('here', 5_000, FAR(), 'alive'),
    );
    expect(await take(keys, 'x')).toMatchObject({ acquired: false, holder: 'here' });
    expect(await redis.get(keys.lock)).toBe('here');
    await expect.poll(() => heard.length).toBe(1);
    stop();
  });

  it('where receivers are not counted reliably (classic pub/sub on a Cluster), an unheard grant stands', async () => {
    const keys = fresh();
    await redis.rpush(keys.queue, entry('quiet', 5_000, FAR(), 'nobody'));
    const unsure = { ...target, trustReceivers: false };
    expect(await script.acquire(unsure, keys, { token: 'x', ttl: 5_000 })).toMatchObject({ holder: 'quiet' });
  });
});

describe('acquire.lua fences, when the counter is lost or ahead', () => {
  it('a counter lost (restart, eviction) starts again from the clock: above every fence before', async () => {
    const keys = fresh();
    const first = await take(keys, 'a');
    await redis.del(keys.lock, keys.fence);
    const second = await take(keys, 'b');
    expect(second.acquired && second.fence).toBeGreaterThan(first.acquired ? first.fence : Infinity);
  });

  it('a counter ahead of the clock counts on from itself', async () => {
    const keys = fresh();
    await redis.set(keys.fence, '8900000000000000');
    expect(await take(keys, 'a')).toEqual({ acquired: true, fence: 8_900_000_000_000_001 });
    expect(await redis.get(keys.fence)).toBe('8900000000000001');
  });

  it('a counter that is not a number is replaced from the clock', async () => {
    const keys = fresh();
    await redis.set(keys.fence, 'garbage');
    const before = await serverMicros();
    const reply = await take(keys, 'a');
    expect(reply.acquired && reply.fence).toBeGreaterThanOrEqual(before);
  });
});

describe('acquire.lua quick try (token and ttl only)', () => {
  it('takes a free lock, and reports a held one with its holder and remaining ttl', async () => {
    const keys = fresh();
    expect(await script.quickAcquire(redis, keys, { token: 'a', ttl: 5_000 })).toMatchObject({
      acquired: true,
    });
    expect(await redis.pttl(keys.lock)).toBeGreaterThan(4_000);
    const reply = await script.quickAcquire(redis, keys, { token: 'b', ttl: 5_000 });
    expect(reply).toMatchObject({ acquired: false, holder: 'a' });
    expect(await redis.llen(keys.queue)).toBe(0);
  });

  it('leaves a free lock with waiters queued to a full call: not acquired, nothing changed', async () => {
    const keys = fresh();
    const { stop } = await listen(`${keys.channel}:c1`); // w1's client, alive
    const e = entry('w1');
    await redis.rpush(keys.queue, e);
    expect(await script.quickAcquire(redis, keys, { token: 'x', ttl: 5_000 })).toEqual({
      acquired: false,
      pttl: -2,
      holder: '',
    });
    expect(await redis.exists(keys.lock, keys.fence)).toBe(0);
    expect(await redis.lrange(keys.queue, 0, -1)).toEqual([e]);
    // The full call the caller makes next serves the head first.
    expect(await queue(keys, 'x')).toMatchObject({ holder: 'w1' });
    stop();
  });

  it('a queue key of the wrong type: the error comes back and the lock is not left set', async () => {
    const keys = fresh();
    await redis.set(keys.queue, 'not a list');
    await expect(script.quickAcquire(redis, keys, { token: 'x', ttl: 5_000 })).rejects.toThrow(/WRONGTYPE/);
    expect(await redis.exists(keys.lock, keys.fence)).toBe(0);
  });
});

describe('acquire.lua when its fence was deleted from outside', () => {
  it('still renews the holder, re-creating the fence', async () => {
    const keys = fresh();
    await take(keys, 'a');
    await redis.del(keys.fence);
    const reply = await queue(keys, 'a');
    expect(reply.acquired).toBe(true);
    expect(Number(await redis.get(keys.fence))).toBe(reply.acquired ? reply.fence : -1);
  });
});
