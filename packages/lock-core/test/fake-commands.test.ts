import { InMemoryRedis } from '@edirect/lock-core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isTransient } from '../src/redis/transient.js';
import { rejection } from './contract/async.js';

// Date stands still in this file, so PTTLs read exactly; timers and setImmediate stay real.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('InMemoryRedis: commands', () => {
  it('SET with NX, XX, PX and EX; GET; DEL; EXISTS', async () => {
    const redis = new InMemoryRedis();
    expect(await redis.set('k', 'v1', 'NX')).toBe('OK');
    expect(await redis.set('k', 'v2', 'NX')).toBeNull();
    expect(await redis.set('other', 'v', 'XX')).toBeNull();
    expect(await redis.set('k', 'v3', 'xx', 'px', 1000)).toBe('OK');
    expect(await redis.pttl('k')).toBe(1000);
    expect(await redis.set('k', 'v4')).toBe('OK');
    expect(await redis.pttl('k')).toBe(-1); // a plain SET drops the expiry, as in Redis
    expect(await redis.set('s', 'v', 'EX', 2)).toBe('OK');
    expect(await redis.pttl('s')).toBe(2000);
    expect(await redis.exists('k', 's', 'none', 'k')).toBe(3);
    expect(await redis.del('k', 'none', 'k')).toBe(1);
    expect(await redis.get('k')).toBeNull();
  });

  it('answers bad arguments with the errors Redis gives', async () => {
    const redis = new InMemoryRedis();
    const message = async (p: Promise<unknown>) => (await rejection(p)).message;
    expect(await message(redis.set('k', 'v', 'PX', 0))).toBe("ERR invalid expire time in 'set' command");
    expect(await message(redis.set('k', 'v', 'PX', '05'))).toBe(
      'ERR value is not an integer or out of range',
    );
    expect(await message(redis.set('k', 'v', 'NX', 'XX'))).toBe('ERR syntax error');
    expect(await message(redis.set('k', 'v', 'PX'))).toBe('ERR syntax error');
    expect(await message(redis.call('GET'))).toBe("ERR wrong number of arguments for 'get' command");
    await redis.rpush('list', 'a');
    expect(await message(redis.get('list'))).toBe(
      'WRONGTYPE Operation against a key holding the wrong kind of value',
    );
  });

  it('refuses what it does not implement with an ERR naming it, never a guess', async () => {
    const redis = new InMemoryRedis();
    const cases: Array<[Promise<unknown>, RegExp]> = [
      [redis.call('HSET', 'h', 'f', 'v'), /does not implement the HSET command/],
      [redis.call('keys', '*'), /does not implement the KEYS command/],
      [redis.set('k', 'v', 'KEEPTTL'), /does not implement SET … KEEPTTL/],
      [redis.set('k', 'v', 'GET'), /does not implement SET … GET/],
      [redis.call('LPOS', 'l', 'x', 'RANK', 2), /does not implement LPOS … RANK/],
      [redis.call('PEXPIRE', 'k', 10, 'NX'), /does not implement PEXPIRE … NX/],
      [redis.script('KILL'), /does not implement SCRIPT KILL/],
      [redis.get({} as unknown as string), /takes strings and numbers only, got object as argument 1 of GET/],
    ];
    for (const [call, pattern] of cases) {
      const err = await rejection(call);
      expect(err.message).toMatch(pattern);
      expect(err.message).toMatch(/^ERR /);
      expect(isTransient(err)).toBe(false);
    }
    expect(await redis.call('get', 'k')).toBeNull();
  });

  it('lists: RPUSH, LLEN, LRANGE with negative indexes; an emptied list is deleted', async () => {
    const redis = new InMemoryRedis();
    expect(await redis.rpush('l', 'a', 'b', 'c')).toBe(3);
    expect(await redis.lrange('l', 0, -1)).toEqual(['a', 'b', 'c']);
    expect(await redis.lrange('l', -2, 10)).toEqual(['b', 'c']);
    expect(await redis.lrange('l', 2, 1)).toEqual([]);
    expect(await redis.call('LREM', 'l', 0, 'b')).toBe(1);
    expect(await redis.call('LPOS', 'l', 'c')).toBe(1);
    expect(await redis.call('LSET', 'l', -1, 'z')).toBe('OK');
    expect(await redis.call('LPOP', 'l')).toBe('a');
    expect(await redis.call('LPOP', 'l')).toBe('z');
    expect(await redis.llen('l')).toBe(0);
    expect(await redis.exists('l')).toBe(0);
    expect((await rejection(redis.call('LSET', 'l', 0, 'x'))).message).toBe('ERR no such key');
  });

  it('INCR counts from 0, keeps the expiry, and refuses a non-integer', async () => {
    const redis = new InMemoryRedis();
    expect(await redis.call('INCR', 'n')).toBe(1);
    await redis.call('PEXPIRE', 'n', 5000);
    expect(await redis.call('INCR', 'n')).toBe(2);
    expect(await redis.pttl('n')).toBe(5000);
    await redis.set('s', 'x');
    expect((await rejection(redis.call('INCR', 's'))).message).toBe(
      'ERR value is not an integer or out of range',
    );
    expect(await redis.call('PEXPIRE', 'n', 0)).toBe(1); // a deadline already past deletes the key
    expect(await redis.exists('n')).toBe(0);
  });

  it('FLUSHALL empties the server for every connection', async () => {
    const redis = new InMemoryRedis();
    await redis.set('k', 'v');
    expect(await redis.duplicate().flushall()).toBe('OK');
    expect(await redis.get('k')).toBeNull();
  });

  it('keeps no timers or handles of its own', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const redis = new InMemoryRedis();
    await redis.set('k', 'v', 'PX', 60_000);
    const sub = redis.duplicate();
    await sub.subscribe('ch');
    await redis.publish('ch', 'm');
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBe(before);
  });
});
