import { type CallResult, LuaRuntimeError, type LuaValue, tonumber } from '../lua.js';
import type { ScriptEnv } from './env.js';
import { serverTime } from './fence.js';
import { handoff, place, withdraw } from './queue.js';

/**
 * release.lua, line by line (see the script for KEYS and ARGV). Returns `{1, token, fence}` handed on,
 * `1` released and free, `0` not held by the caller (with that fence, when one is given).
 */
export function release(redis: ScriptEnv, keys: string[], argv: string[]): LuaValue | LuaValue[] {
  const [lockKey = '', fenceKey = '', queueKey = ''] = keys;
  const [token = '', publish = '', heard, fence = '', leave = '', requeue = '', ttl, client, live] = argv;

  const holds =
    redis.call('GET', lockKey) === token && (fence === '' || redis.call('GET', fenceKey) === fence);
  let head: CallResult = false;
  if (holds && leave === '' && requeue === '') {
    head = redis.call('LPOP', queueKey);
    if (head === false) {
      redis.call('DEL', lockKey);
      return 1;
    }
  }

  if (leave !== '') withdraw(redis, queueKey, leave);
  if (!holds) return 0;
  if (head === false && requeue === '') {
    head = redis.call('LPOP', queueKey);
    if (head === false) {
      redis.call('DEL', lockKey);
      return 1;
    }
  }

  const nowUs = serverTime(redis);
  if (requeue !== '') {
    const liveFor = tonumber(live);
    // Lua: arithmetic on a nil ARGV[9] raises; a nil ARGV[7] or ARGV[8] is refused by place's redis.call.
    if (liveFor === undefined) throw new LuaRuntimeError('attempt to perform arithmetic on a nil value');
    if (ttl === undefined || client === undefined)
      throw new LuaRuntimeError('attempt to concatenate a nil value');
    place(redis, queueKey, requeue, ttl, Math.floor(nowUs / 1000) + liveFor, client);
  }
  const next = handoff(redis, lockKey, fenceKey, queueKey, nowUs, publish, heard, requeue, head);
  if (next) return [1, next.token, next.fence];
  redis.call('DEL', lockKey);
  return 1;
}
