import { LuaRuntimeError, type LuaValue, tonumber } from '../lua.js';
import type { ScriptEnv } from './env.js';
import { nextFence, serverTime } from './fence.js';
import { handoff, place } from './queue.js';

/**
 * acquire.lua, line by line (see the script for KEYS, ARGV and the replies). Returns `fence` held by the
 * caller now, `{1, fence, pttl}` for a claim that found it already the caller's, or `{0, pttl, holder}`.
 */
export function acquire(redis: ScriptEnv, keys: string[], argv: string[]): LuaValue | LuaValue[] {
  const [lockKey = '', fenceKey = '', queueKey = ''] = keys;
  const [token = '', ttl = '', publish, heard, client, live] = argv;

  // Lua: `if not publish`: the quick try.
  if (publish === undefined) {
    if (redis.call('LLEN', queueKey) === 0 && redis.call('SET', lockKey, token, 'NX', 'PX', ttl)) {
      return nextFence(redis, fenceKey, serverTime(redis));
    }
    const holder = redis.call('GET', lockKey);
    if (holder === false) return [0, -2, ''];
    return [0, redis.call('PTTL', lockKey), holder];
  }

  let holder = redis.call('GET', lockKey);
  if (holder === token) {
    // Already the caller's: a new lease comes of it, so a new fence too.
    const fence = nextFence(redis, fenceKey, serverTime(redis));
    if (client === '') return [1, fence, redis.call('PTTL', lockKey)];
    redis.call('PEXPIRE', lockKey, ttl);
    return fence;
  }

  const nowUs = serverTime(redis);
  if (holder === false) {
    // Free, but maybe waiters are queued: serve them first.
    const next = handoff(redis, lockKey, fenceKey, queueKey, nowUs, publish, heard, token);
    if (next?.token === token) return next.fence;
    if (!next) {
      redis.call('SET', lockKey, token, 'PX', ttl);
      return nextFence(redis, fenceKey, nowUs);
    }
    holder = next.token;
  }

  // Lua: `if ARGV[5] and ARGV[5] ~= ''`
  if (client !== undefined && client !== '') {
    const liveFor = tonumber(live);
    // Lua: arithmetic on a nil ARGV[6] raises.
    if (liveFor === undefined) throw new LuaRuntimeError('attempt to perform arithmetic on a nil value');
    place(redis, queueKey, token, ttl, Math.floor(nowUs / 1000) + liveFor, client);
  }
  return [0, redis.call('PTTL', lockKey), holder];
}
