import { type LuaValue, tonumber } from '../lua.js';
import type { ScriptEnv } from './env.js';
import { handoff } from './handoff.js';

/**
 * acquire.lua, line by line (see the script for KEYS, ARGV and the modes). Returns the Lua table:
 * `{fence, ttl}` held by the caller now, `{0, pttl, holder}` not acquired.
 */
export function acquire(redis: ScriptEnv, keys: string[], argv: string[]): LuaValue[] {
  const [lockKey = '', fenceKey = '', queueKey = ''] = keys;
  const [token = '', ttl = '', mode, entry = '', oldEntry = '', now, channel = '', publish = ''] = argv;

  let holder = redis.call('GET', lockKey);
  if (holder === token) {
    redis.call('PEXPIRE', lockKey, ttl);
    // Lua: `tonumber(GET fence) or INCR fence`: a fence deleted from outside is re-created.
    return [tonumber(redis.call('GET', fenceKey)) ?? redis.call('INCR', fenceKey), tonumber(ttl)];
  }

  if (holder === false) {
    if (redis.call('LLEN', queueKey) === 0) {
      redis.call('SET', lockKey, token, 'PX', ttl);
      return [redis.call('INCR', fenceKey), tonumber(ttl)];
    }
    // Free, but waiters are queued: serve the head first.
    const next = handoff(redis, lockKey, fenceKey, queueKey, tonumber(now), channel, publish, token);
    if (next?.token === token) return [next.fence, tonumber(ttl)];
    if (!next) {
      redis.call('SET', lockKey, token, 'PX', ttl);
      return [redis.call('INCR', fenceKey), tonumber(ttl)];
    }
    holder = next.token;
  }

  if (mode === '1') {
    redis.call('RPUSH', queueKey, entry);
  } else if (mode === '2') {
    const at = redis.call('LPOS', queueKey, oldEntry);
    // Lua: `if at then` — index 0 is true in Lua, only nil (false) is not.
    if (at !== false) redis.call('LSET', queueKey, at, entry);
    else redis.call('RPUSH', queueKey, entry);
  }
  return [0, redis.call('PTTL', lockKey), holder];
}
