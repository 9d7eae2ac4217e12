import { infoFields, redisCommand } from './resp.js';

/**
 * What a lock operation costs, measured: round trips counted on the client's connection, commands
 * counted by the servers (INFO commandstats), so a cost table states what was seen, not what was meant.
 */

/** A connection whose command-sending methods are counted; one pipeline is one round trip. */
export function countingRoundTrips<T extends object>(target: T): { redis: T; roundTrips: () => number } {
  const sending = new Set(['evalsha', 'eval', 'get', 'set', 'pipeline', 'call']);
  let count = 0;
  const redis = new Proxy(target, {
    get(t, prop, _receiver) {
      const value = Reflect.get(t, prop, t);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (typeof prop === 'string' && sending.has(prop)) count++;
        return value.apply(t, args);
      };
    },
  });
  return { redis, roundTrips: () => count };
}

/** Commands a lock operation may run, at top level or inside a script. */
const LOCK_COMMANDS = [
  'evalsha',
  'eval',
  'wait',
  'get',
  'set',
  'incr',
  'llen',
  'lpop',
  'lpos',
  'lset',
  'lrem',
  'rpush',
  'del',
  'pexpire',
  'pttl',
  'publish',
  'spublish',
  'subscribe',
  'ssubscribe',
  'unsubscribe',
  'sunsubscribe',
];

export async function resetCommandStats(ports: readonly number[]): Promise<void> {
  await Promise.all(ports.map((port) => redisCommand(port, ['CONFIG', 'RESETSTAT'])));
}

/** Calls per lock command, summed over `ports` (pass masters only: replicas replay the writes). */
export async function commandStats(ports: readonly number[]): Promise<Record<string, number>> {
  const total: Record<string, number> = {};
  for (const port of ports) {
    const info = infoFields(await redisCommand(port, ['INFO', 'commandstats']));
    for (const name of LOCK_COMMANDS) {
      const calls = /calls=(\d+)/.exec(info.get(`cmdstat_${name}`) ?? '')?.[1];
      if (calls) total[name] = (total[name] ?? 0) + Number(calls);
    }
  }
  return total;
}

/** Per-operation figures from totals over `n` operations. */
export function perOperation(totals: Record<string, number>, n: number): Record<string, number> {
  return Object.fromEntries(Object.entries(totals).map(([name, calls]) => [name, calls / n]));
}
