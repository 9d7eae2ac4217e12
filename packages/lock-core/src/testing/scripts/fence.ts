import { tonumber } from '../lua.js';
import type { ScriptEnv } from './env.js';

/** lib/fence.lua's `serverTime()`: TIME, in µs. */
export function serverTime(redis: ScriptEnv): number {
  const [seconds, micros] = redis.callList('TIME');
  return (tonumber(seconds) as number) * 1_000_000 + (tonumber(micros) as number);
}

/** lib/fence.lua's `nextFence(fenceKey, nowUs)`: max(last + 1, nowUs), stored as the last fence. */
export function nextFence(redis: ScriptEnv, fenceKey: string, nowUs: number): number {
  const last = tonumber(redis.call('GET', fenceKey));
  // Lua: `if last and last >= nowUs then nowUs = last + 1 end`
  const fence = last !== undefined && last >= nowUs ? last + 1 : nowUs;
  // Lua: string.format('%.0f', nowUs)
  redis.call('SET', fenceKey, fence.toFixed(0));
  return fence;
}
