import { Redis } from 'ioredis';

/** Commands the harness itself sends (connection setup, measurement, the exclusion check, cleanup). */
const HARNESS_COMMANDS = new Set([
  'info',
  'ping',
  'quit',
  'client',
  'hello',
  'command',
  'config',
  'scan',
  'unlink',
  // The mutual-exclusion check of the contended scenario: no library uses INCRBY/DECRBY.
  'incrby',
  'decrby',
]);

/** Counts the commands a connection (and every `duplicate()` of it) sends: one per round trip. */
export interface RoundTrips {
  count: number;
}

/**
 * An ioredis connection whose commands are counted, including those of its duplicates (lock-core
 * duplicates the connection for pub/sub). Connection chatter (INFO ready check, QUIT...) is not counted.
 */
export function countedRedis(url: string, counter: RoundTrips = { count: 0 }): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 20 });
  instrument(redis, counter);
  return redis;
}

function instrument(redis: Redis, counter: RoundTrips): void {
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command, stream) => {
    if (!HARNESS_COMMANDS.has(command.name.toLowerCase())) counter.count++;
    return send(command, stream);
  }) as Redis['sendCommand'];
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = ((override) => {
    const copy = duplicate(override);
    instrument(copy, counter);
    return copy;
  }) as Redis['duplicate'];
}

/** calls per command name, from INFO commandstats (Redis counts commands run inside scripts too). */
export type CommandCalls = Record<string, number>;

export async function commandCalls(redis: Redis): Promise<CommandCalls> {
  const text = await redis.info('commandstats');
  const calls: CommandCalls = {};
  for (const line of text.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m?.[1] && m[2]) calls[m[1]] = Number(m[2]);
  }
  return calls;
}

export interface CommandDiff {
  /** Every command the libraries caused, counting EVALSHA/EVAL and each command their scripts ran. */
  total: number;
  /** The same without the EVALSHA/EVAL calls themselves. */
  withoutEval: number;
  byName: CommandCalls;
}

/** What ran between two snapshots, less the harness's own commands. */
export function diffCalls(before: CommandCalls, after: CommandCalls): CommandDiff {
  const byName: CommandCalls = {};
  let total = 0;
  let evals = 0;
  for (const [name, calls] of Object.entries(after)) {
    const base = name.split('|')[0] as string;
    if (HARNESS_COMMANDS.has(base)) continue;
    const d = calls - (before[name] ?? 0);
    if (d <= 0) continue;
    byName[name] = d;
    total += d;
    if (base === 'evalsha' || base === 'eval' || base === 'evalsha_ro' || base === 'eval_ro') evals += d;
  }
  return { total, withoutEval: total - evals, byName };
}

export function addDiff(a: CommandDiff, b: CommandDiff): CommandDiff {
  const byName: CommandCalls = { ...a.byName };
  for (const [k, v] of Object.entries(b.byName)) byName[k] = (byName[k] ?? 0) + v;
  return { total: a.total + b.total, withoutEval: a.withoutEval + b.withoutEval, byName };
}

export const emptyDiff = (): CommandDiff => ({ total: 0, withoutEval: 0, byName: {} });

/** Deletes the bench's keys (all carry the session tag), with SCAN so a shared server is never blocked. */
export async function deleteMatching(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

export async function redisVersion(redis: Redis): Promise<string> {
  const text = await redis.info('server');
  return /redis_version:(\S+)/.exec(text)?.[1] ?? 'unknown';
}
