import { type CallResult, LuaRuntimeError, tonumber } from '../lua.js';
import type { ScriptEnv } from './env.js';
import { nextFence } from './fence.js';

/** Lua's `'^([^|]+)|(%d+)|(%d+)|([^|]+)$'` (`|` is literal in Lua patterns, `%d` is ASCII 0-9). */
const ENTRY = /^([^|]+)\|(\d+)\|(\d+)\|([^|]+)$/;

/** lib/queue.lua's `findEntry(queueKey, token)`: the 0-based index and text of `token`'s entry. */
export function findEntry(redis: ScriptEnv, queueKey: string, token: string): [number, string] | undefined {
  const prefix = `${token}|`;
  const entries = redis.callList('LRANGE', queueKey, 0, -1);
  for (let i = 0; i < entries.length; i++) {
    const entry = String(entries[i]);
    // Lua: string.sub(entries[i], 1, #prefix) == prefix (bytes; the same for these ASCII tokens)
    if (entry.startsWith(prefix)) return [i, entry];
  }
  return undefined;
}

/** lib/queue.lua's `place(queueKey, token, ttl, deadlineMs, client)`: refresh in place, or queue at the tail. */
export function place(
  redis: ScriptEnv,
  queueKey: string,
  token: string,
  ttl: string,
  deadlineMs: number,
  client: string,
): void {
  const entry = `${token}|${ttl}|${deadlineMs.toFixed(0)}|${client}`;
  const found = findEntry(redis, queueKey, token);
  if (found) redis.call('LSET', queueKey, found[0], entry);
  else redis.call('RPUSH', queueKey, entry);
}

/** lib/queue.lua's `withdraw(queueKey, token)`. */
export function withdraw(redis: ScriptEnv, queueKey: string, token: string): void {
  const found = findEntry(redis, queueKey, token);
  if (found) redis.call('LREM', queueKey, 1, found[1]);
}

/**
 * lib/queue.lua's `handoff(...)`, line by line: pops entries (starting with `popped`) until one is alive,
 * publishes its grant unless it is `selfToken`, skips it when `heard` is '1' and nobody received the grant,
 * and otherwise gives it the lock with a new fence. Undefined (Lua's nil) when no live waiter was queued.
 */
export function handoff(
  redis: ScriptEnv,
  lockKey: string,
  fenceKey: string,
  queueKey: string,
  nowUs: number,
  publish: string,
  heard: string | undefined,
  selfToken: string | undefined,
  /** The head, when the caller popped it already (Lua: `entry = entry or LPOP`). */
  popped: CallResult = false,
): { token: string; fence: number } | undefined {
  const nowMs = Math.floor(nowUs / 1000);
  let first: CallResult = popped;
  while (true) {
    const entry = first !== false ? first : redis.call('LPOP', queueKey);
    first = false;
    if (entry === false) return undefined;
    const [, token, ttl, deadline, client] = ENTRY.exec(String(entry)) ?? [];
    if (token === undefined || ttl === undefined || deadline === undefined || client === undefined) continue;
    if (!((tonumber(deadline) as number) >= nowMs)) continue;
    const fence = nextFence(redis, fenceKey, nowUs);
    let granted = token === selfToken;
    if (!granted) {
      // Lua: token .. ' ' .. string.format('%.0f', fence)
      const receivers = redis.call(publish, `${lockKey}:events:${client}`, `${token} ${fence.toFixed(0)}`);
      // Lua: `receivers > 0`: comparing a non-number raises.
      if (typeof receivers !== 'number') throw new LuaRuntimeError('attempt to compare number with string');
      granted = receivers > 0 || heard !== '1';
    }
    if (granted) {
      redis.call('SET', lockKey, token, 'PX', ttl);
      return { token, fence };
    }
  }
}
