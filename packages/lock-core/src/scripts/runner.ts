import { createHash } from 'node:crypto';
import type { RedisConnection } from '../redis/connection.js';
import { acquireLua, extendLua, releaseLua } from './lua.generated.js';

/** A Lua script with its SHA-1 computed once. */
export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, source: string): Script {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

export const scripts = {
  acquire: script('acquire', acquireLua),
  release: script('release', releaseLua),
  extend: script('extend', extendLua),
} as const;

/**
 * Runs a script by EVALSHA and reads its reply with `parse`, falling back to EVAL once when the server
 * does not know the script yet (NOSCRIPT: a new or restarted server). EVAL also caches it, so the next
 * call is an EVALSHA again. One promise reaction per call: on the uncontended path every extra layer
 * (an async wrapper, a separate catch and then) showed up in the benchmark.
 */
export function runScript<T>(
  redis: RedisConnection,
  s: Script,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
  parse: (reply: unknown) => T,
): Promise<T> {
  let reply: Promise<unknown>;
  try {
    reply = redis.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (err) {
    // A connection that throws instead of rejecting (a Cluster mid-failover, a custom one): callers
    // run this from timers and message handlers, where a throw would crash the process.
    return Promise.reject(err);
  }
  return reply.then(parse, (err: unknown) => {
    if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
      return redis.eval(s.source, keys.length, ...keys, ...args).then(parse);
    }
    throw err;
  });
}
