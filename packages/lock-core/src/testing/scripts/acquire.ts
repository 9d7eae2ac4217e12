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
  const [token = '', ttl = '', publish, heard, how, live] = argv;

  // Lua: `if not publish`: the quick try.
  if (publish === undefined) {
    if (redis.call('LLEN', queueKey) === 0 && redis.call('SET', lockKey, token, 'NX', 'PX', ttl)) {
      return nextFence(redis, fenceKey, serverTime(redis));
    }
    const holder = redis.call('GET', lockKey);
    if (holder === false) return [0, -2, ''];
    // This very call ran before (a client resending it): the hold it took stands.
    if (holder === token) {
      return tonumber(redis.call('GET', fenceKey)) ?? nextFence(redis, fenceKey, serverTime(redis));
    }
    return [0, redis.call('PTTL', lockKey), holder];
  }

  let holder = redis.call('GET', lockKey);
  if (holder === token) {
    let fence = tonumber(redis.call('GET', fenceKey));
    const plus = how?.startsWith('+') === true;
    if (fence === undefined || how === '' || plus) {
      fence = nextFence(redis, fenceKey, serverTime(redis));
    }
    if (how === '') return [1, fence, redis.call('PTTL', lockKey)];
    // Lua: `if not plus or redis.call('PTTL', lockKey) < tonumber(ttl)`: '+' lengthens, never shortens.
    if (plus) {
      const limit = tonumber(ttl);
      if (limit === undefined) throw new LuaRuntimeError('attempt to compare number with nil');
      if ((redis.call('PTTL', lockKey) as number) < limit) redis.call('PEXPIRE', lockKey, ttl);
    } else {
      redis.call('PEXPIRE', lockKey, ttl);
    }
    return fence;
  }

  const nowUs = serverTime(redis);
  if (holder === false) {
    // Free, but maybe waiters are queued: serve them first.
    const next = handoff(redis, lockKey, fenceKey, queueKey, nowUs, publish, heard, token);
    if (next?.token === token) {
      // Its own entry was at the head: the caller's ttl, not the entry's.
      redis.call('PEXPIRE', lockKey, ttl);
      return next.fence;
    }
    if (!next) {
      redis.call('SET', lockKey, token, 'PX', ttl);
      return nextFence(redis, fenceKey, nowUs);
    }
    holder = next.token;
  }

  // Lua: `local client = how and string.match(how, '^%+?(.*)$')`, then `client ~= ''`
  const client = how === undefined ? undefined : /^\+?(.*)$/s.exec(how)?.[1];
  if (client !== undefined && client !== '') {
    const liveFor = tonumber(live);
    // Lua: arithmetic on a nil ARGV[6] raises.
    if (liveFor === undefined) throw new LuaRuntimeError('attempt to perform arithmetic on a nil value');
    place(redis, queueKey, token, ttl, Math.floor(nowUs / 1000) + liveFor, client);
  }
  return [0, redis.call('PTTL', lockKey), holder];
}
