import { createHash } from 'node:crypto';
import type { RedisConnection } from '../connection.js';
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
 * Runs a script by EVALSHA, falling back to EVAL once when the server does not know it yet (NOSCRIPT:
 * a new or restarted server). EVAL also caches it, so the next call is an EVALSHA again.
 */
export async function runScript(
  redis: RedisConnection,
  s: Script,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  try {
    return await redis.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
      return redis.eval(s.source, keys.length, ...keys, ...args);
    }
    throw err;
  }
}
