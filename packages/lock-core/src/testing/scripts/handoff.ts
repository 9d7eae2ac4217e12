import { type CallResult, concat, LuaRuntimeError, tonumber } from '../lua.js';
import type { ScriptEnv } from './env.js';

/** Lua's `'^([^|]+)|(%d+)|(%d+)|([^|]+)$'` (`|` is literal in Lua patterns, `%d` is ASCII 0-9). */
const ENTRY = /^([^|]+)\|(\d+)\|(\d+)\|([^|]+)$/;

/**
 * lib/handoff.lua, line by line: pops waiters off the queue (starting with `popped`) until one is alive (its deadline is not
 * before `now`), gives it the lock for its ttl, increments the fence and publishes `<token> <fence>` on
 * `<lockKey>:events:<client>`, unless the new holder is `selfToken`. Malformed and stale entries are dropped.
 * Returns the new holder and fence, or undefined (Lua's nil) when no live waiter was queued.
 */
export function handoff(
  redis: ScriptEnv,
  lockKey: string,
  fenceKey: string,
  queueKey: string,
  now: number | undefined,
  publish: string,
  selfToken: string | undefined,
  /** The head, when the caller popped it already (Lua: `entry = entry or LPOP`). */
  popped: CallResult = false,
): { token: string; fence: number } | undefined {
  let first: CallResult = popped;
  while (true) {
    const entry = first !== false ? first : redis.call('LPOP', queueKey);
    first = false;
    if (entry === false) return undefined;
    const [, token, ttl, deadline, client] = ENTRY.exec(String(entry)) ?? [];
    if (token === undefined || ttl === undefined || deadline === undefined || client === undefined) continue;
    // `tonumber(deadline) >= now`: Lua raises when `now` is nil (ARGV not a number).
    if (now === undefined) throw new LuaRuntimeError('attempt to compare nil with number');
    if (!((tonumber(deadline) as number) >= now)) continue;
    redis.call('SET', lockKey, token, 'PX', ttl);
    const fence = redis.call('INCR', fenceKey) as number;
    if (token !== selfToken) {
      redis.call(publish, `${lockKey}:events:${client}`, `${token} ${concat(fence)}`);
    }
    return { token, fence };
  }
}
