import { type LuaValue, tonumber } from '../lua.js';
import type { ScriptEnv } from './env.js';
import { handoff } from './handoff.js';

/**
 * release.lua, line by line (see the script for KEYS and ARGV). Returns `{1, token, fence}` handed on,
 * `1` released and free, `0` not held by the caller.
 */
export function release(redis: ScriptEnv, keys: string[], argv: string[]): LuaValue | LuaValue[] {
  const [lockKey = '', fenceKey = '', queueKey = ''] = keys;
  const [token = '', now, publish = '', requeue = '', leave = ''] = argv;

  if (leave !== '') redis.call('LREM', queueKey, 1, leave);
  if (redis.call('GET', lockKey) !== token) return 0;
  // Lua: `local head = requeue == '' and LPOP queue`: false when requeueing.
  const head = requeue === '' ? redis.call('LPOP', queueKey) : false;
  if (requeue === '' && head === false) {
    redis.call('DEL', lockKey);
    return 1;
  }
  // Lua: `local self = ''`, then string.match(requeue, '^([^|]+)'), which is nil for an entry opening with '|'.
  let self: string | undefined = '';
  if (requeue !== '') {
    redis.call('RPUSH', queueKey, requeue);
    self = /^[^|]+/.exec(requeue)?.[0];
  }
  const next = handoff(redis, lockKey, fenceKey, queueKey, tonumber(now), publish, self, head);
  if (next) return [1, next.token, next.fence];
  redis.call('DEL', lockKey);
  return 1;
}
