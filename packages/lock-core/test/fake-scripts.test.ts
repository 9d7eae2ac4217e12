import { InMemoryRedis, lockKeys, ReplyError } from '@edirect/lock-core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isTransient } from '../src/redis/transient.js';
import { scripts } from '../src/scripts/runner.js';
import { rejection, settle } from './contract/async.js';

/** The keys of lock `k`, no prefix. */
const K = lockKeys('', 'k');

// Date stands still in this file, so PTTLs read exactly; timers and setImmediate stay real.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('InMemoryRedis: scripts', () => {
  it('knows no SHA until EVAL (or SCRIPT LOAD) of the source, like a fresh server', async () => {
    const redis = new InMemoryRedis();
    const { sha, source } = scripts.extend;
    const err = await rejection(redis.evalsha(sha, 2, 'lock', 'fence', 'token', 1000));
    expect(err.message).toBe('NOSCRIPT No matching script. Please use EVAL.');
    expect(err.name).toBe('ReplyError');
    expect(await redis.eval(source, 2, 'lock', 'fence', 'token', 1000)).toBe(0);
    expect(await redis.evalsha(sha.toUpperCase(), 2, 'lock', 'fence', 'token', 1000)).toBe(0);
    expect(await redis.duplicate().script('EXISTS', sha, 'f'.repeat(40))).toEqual([1, 0]);
    expect(await redis.script('FLUSH')).toBe('OK');
    expect((await rejection(redis.evalsha(sha, 2, 'lock', 'fence', 'token', 1000))).message).toMatch(
      /^NOSCRIPT/,
    );
    expect(await redis.script('LOAD', scripts.acquire.source)).toBe(scripts.acquire.sha);
  });

  it('replies as ioredis hands Redis replies over: integers, and arrays of integers and strings', async () => {
    const redis = new InMemoryRedis();
    const keys = [K.lock, K.fence, K.queue];
    const argv = (token: string) => [token, 5000, 'PUBLISH', '1'];
    await redis.script('LOAD', scripts.acquire.source);
    await redis.script('LOAD', scripts.release.source);
    await redis.script('LOAD', scripts.extend.source);
    // A fence from the (frozen) clock, in µs; the holder asking again is the same hold, same fence, unless
    // its token is a reused one ('+'): then a new hold, with the next fence.
    const first = Date.now() * 1000;
    expect(await redis.evalsha(scripts.acquire.sha, 3, ...keys, ...argv('a'))).toBe(first);
    expect(await redis.evalsha(scripts.acquire.sha, 3, ...keys, ...argv('a'))).toBe(first);
    const fence = first + 1;
    expect(await redis.evalsha(scripts.acquire.sha, 3, ...keys, ...argv('a'), '+')).toBe(fence);
    expect(await redis.evalsha(scripts.acquire.sha, 3, ...keys, ...argv('b'))).toEqual([0, 5000, 'a']);
    expect(await redis.evalsha(scripts.extend.sha, 2, K.lock, K.fence, 'b', 5000)).toBe(-1);
    expect(await redis.evalsha(scripts.extend.sha, 2, K.lock, K.fence, 'a', 7000)).toBe(1);
    expect(await redis.evalsha(scripts.extend.sha, 2, K.lock, K.fence, 'a', 7000, fence + 1)).toBe(-1);
    expect(await redis.evalsha(scripts.extend.sha, 2, K.lock, K.fence, 'a', 7000, fence)).toBe(1);
    expect(await redis.pttl(keys[0] ?? '')).toBe(7000);
    const release = (token: string) => redis.evalsha(scripts.release.sha, 3, ...keys, token, 'PUBLISH', '1');
    expect(await release('b')).toBe(0);
    expect(await release('a')).toBe(1);
    expect(await redis.exists(keys[0] ?? '')).toBe(0);
    expect(await redis.get(keys[1] ?? '')).toBe(String(fence));
  });

  it('hands over to the first live waiter, skipping stale and malformed entries, and publishes the grant', async () => {
    const server = new InMemoryRedis();
    const sub = server.duplicate();
    const heard: string[] = [];
    sub.on('message', (ch, msg) => heard.push(`${ch} ${msg}`));
    await sub.subscribe(`${K.channel}:c2`);
    const keys = [K.lock, K.fence, K.queue];
    const now = Date.now();
    const first = (await server.eval(
      scripts.acquire.source,
      3,
      ...keys,
      'a',
      5000,
      'PUBLISH',
      '1',
    )) as number;
    await server.rpush(
      keys[2] ?? '',
      `stale|5000|${now - 1}|c2`,
      'garbage',
      `unheard|5000|${now + 60_000}|c9`, // alive, but nobody listens on c9: a dead waiter
      `w|7000|${now + 60_000}|c2`,
      'x|1|1|c3',
    );
    const reply = await server.eval(scripts.release.source, ...[3, ...keys, 'a', 'PUBLISH', '1']);
    // The unheard waiter's fence (first + 1) was burnt; w's is above it.
    expect(reply).toEqual([1, 'w', first + 2]);
    expect(await server.get(keys[0] ?? '')).toBe('w');
    expect(await server.pttl(keys[0] ?? '')).toBe(7000);
    expect(await server.lrange(keys[2] ?? '', 0, -1)).toEqual(['x|1|1|c3']);
    await settle();
    expect(heard).toEqual([`${K.channel}:c2 w ${first + 2}`]);
  });

  it('refuses scripts it does not know, naming EVAL', async () => {
    const err = await rejection(new InMemoryRedis().eval("return redis.call('TIME')", 0));
    expect(err).toBeInstanceOf(ReplyError);
    expect(err.message).toMatch(/^ERR InMemoryRedis does not implement EVAL of a script other than/);
    expect(isTransient(err)).toBe(false);
  });

  it('refuses a known script called with other key or argument counts instead of guessing', async () => {
    const redis = new InMemoryRedis();
    const err = await rejection(redis.eval(scripts.extend.source, 1, 'a', 'token', 1000));
    expect(err.message).toMatch(/the extend script with 1 keys and 2 arguments/);
    expect((await rejection(redis.eval(scripts.extend.source, 3, 'a'))).message).toBe(
      "ERR Number of keys can't be greater than number of args",
    );
    expect((await rejection(redis.eval(scripts.extend.source, -1))).message).toBe(
      "ERR Number of keys can't be negative",
    );
  });

  it('refuses SPUBLISH before writing anything', async () => {
    const redis = new InMemoryRedis();
    const keys = [K.lock, K.fence, K.queue];
    const err = await rejection(redis.eval(scripts.acquire.source, 3, ...keys, 'a', 5000, 'SPUBLISH', '1'));
    expect(err.message).toMatch(/does not implement SPUBLISH in the acquire script/);
    expect(await redis.exists(...keys)).toBe(0);
  });

  it('reports an error inside a script like Redis, keeping the writes made before it', async () => {
    const redis = new InMemoryRedis();
    const keys = [K.lock, K.fence, K.queue];
    await redis.rpush(keys[2] ?? '', `w|0|${Date.now() + 60_000}|c1`); // ttl 0: SET PX 0 fails
    const err = await rejection(redis.eval(scripts.acquire.source, 3, ...keys, 'a', 5000, 'PUBLISH', '0'));
    expect(err.message).toMatch(/^ERR invalid expire time in 'set' command script: [0-9a-f]{40}/);
    expect(await redis.llen(keys[2] ?? '')).toBe(0); // the LPOP before the failure stays done
    expect(await redis.get(keys[0] ?? '')).toBeNull();
  });
});
