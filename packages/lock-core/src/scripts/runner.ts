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

/** Per connection, the scripts it has run: each one's first call is an EVAL (see `runScript`). */
const loaded = new WeakMap<object, Set<string>>();

/**
 * A view of a connection (e.g. one that pipelines WAIT behind each script) names the connection it sends
 * on under this symbol, so the two share what is loaded.
 */
export const SENDS_ON: unique symbol = Symbol('@edirect/lock-core:sends-on');

/**
 * Runs a script and reads its reply with `parse`. The first call of a script on a connection is an EVAL,
 * which also caches it on the server; later ones are EVALSHA, falling back to EVAL once when the server no
 * longer knows it (NOSCRIPT: a restarted or flushed server). Starting with EVAL keeps a connection's script
 * calls in the order they were made: had the first call been an EVALSHA answered NOSCRIPT, its EVAL would
 * go out behind calls made after it (a release overtaken by an acquire, say). One promise reaction per
 * call: on the uncontended path every extra layer (an async wrapper, a separate catch) showed up in the
 * benchmark.
 */
export function runScript<T>(
  redis: RedisConnection,
  s: Script,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
  parse: (reply: unknown) => T,
): Promise<T> {
  const connection = (redis as { [SENDS_ON]?: object })[SENDS_ON] ?? redis;
  let known = loaded.get(connection);
  if (!known) {
    known = new Set();
    loaded.set(connection, known);
  }
  const cached = known;
  let reply: Promise<unknown>;
  try {
    if (!cached.has(s.sha)) {
      cached.add(s.sha);
      return redis.eval(s.source, keys.length, ...keys, ...args).then(parse);
    }
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
