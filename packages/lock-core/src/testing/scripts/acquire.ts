import { type LuaValue, tonumber } from '../lua.js';
import type { ScriptEnv } from './env.js';
import { handoff } from './handoff.js';

/**
 * acquire.lua, line by line (see the script for KEYS, ARGV and the modes). Returns `fence` held by the
 * caller now, or the Lua table `{0, pttl, holder}` not acquired.
 */
export function acquire(redis: ScriptEnv, keys: string[], argv: string[]): LuaValue | LuaValue[] {
  const [lockKey = '', fenceKey = '', queueKey = ''] = keys;
  const [token = '', ttl = '', now, publish = '', mode, entry, oldEntry] = argv;

  // Lua: `if not ARGV[3] and LLEN == 0 and SET NX`: the quick try, reads before it writes.
  if (
    now === undefined &&
    redis.call('LLEN', queueKey) === 0 &&
    redis.call('SET', lockKey, token, 'NX', 'PX', ttl)
  ) {
    return redis.call('INCR', fenceKey);
  }

  let holder = redis.call('GET', lockKey);
  if (holder === token) {
    redis.call('PEXPIRE', lockKey, ttl);
    // Lua: `tonumber(GET fence) or INCR fence`: a fence deleted from outside is re-created.
    return tonumber(redis.call('GET', fenceKey)) ?? redis.call('INCR', fenceKey);
  }
  if (holder === false) {
    if (redis.call('LLEN', queueKey) === 0) {
      redis.call('SET', lockKey, token, 'PX', ttl);
      return redis.call('INCR', fenceKey);
    }
    // Lua: `if not ARGV[3]`: a quick try leaves queued waiters to a full call.
    if (now === undefined) return [0, -2, ''];
  }

  if (holder === false) {
    // Free, but waiters are queued: serve the head first.
    const next = handoff(redis, lockKey, fenceKey, queueKey, tonumber(now), publish, token);
    if (next?.token === token) return next.fence;
    if (!next) {
      redis.call('SET', lockKey, token, 'PX', ttl);
      return redis.call('INCR', fenceKey);
    }
    holder = next.token;
  }

  // Lua passes a missing ARGV to redis.call as nil, which Redis refuses: so does `call()` for undefined.
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
