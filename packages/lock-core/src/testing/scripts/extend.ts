import type { LuaValue } from '../lua.js';
import type { ScriptEnv } from './env.js';

/** extend.lua, line by line: 1 extended, 0 the key is gone, -1 another holder (or fence) is in it. */
export function extend(redis: ScriptEnv, keys: string[], argv: string[]): LuaValue {
  const [lockKey = '', fenceKey = ''] = keys;
  const [token, ttl = '', fence] = argv;
  const holder = redis.call('GET', lockKey);
  // Lua: `holder == ARGV[1] and (not ARGV[3] or GET fence == ARGV[3])`
  if (holder === token && (fence === undefined || redis.call('GET', fenceKey) === fence)) {
    redis.call('PEXPIRE', lockKey, ttl);
    return 1;
  }
  if (holder === false) return 0;
  return -1;
}
