import type { LuaValue } from '../lua.js';
import type { ScriptEnv } from './env.js';

/** extend.lua, line by line: 1 extended, 0 the key is gone, -1 another holder's token is in it. */
export function extend(redis: ScriptEnv, keys: string[], argv: string[]): LuaValue {
  const [lockKey = ''] = keys;
  const [token, ttl = ''] = argv;
  const holder = redis.call('GET', lockKey);
  if (holder === token) {
    redis.call('PEXPIRE', lockKey, ttl);
    return 1;
  }
  if (holder === false) return 0;
  return -1;
}
