import { redisCommand } from './resp.js';

/**
 * Faults a Redis server inflicts on its own clients, asked of it over one raw RESP connection (no client
 * library). Use them on a server the test started itself: on the run's shared Redis they would stall
 * every other test file running at the same time. For a frozen process see `RedisServer.pause()`.
 */

/** Which commands `clientPause` holds: 'ALL', or 'WRITE' (reads still answered, writes wait). */
export type ClientPauseMode = 'ALL' | 'WRITE';

/**
 * `CLIENT PAUSE ms mode`: resolves once the pause has begun. Until it ends (or `clientUnpause`), the
 * server holds the paused commands of every other client, then runs them in order; connections stay up.
 */
export async function clientPause(url: string, ms: number, mode: ClientPauseMode = 'ALL'): Promise<void> {
  if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`ms must be an integer >= 0, not ${ms}`);
  const { host, port } = address(url);
  await redisCommand(port, ['CLIENT', 'PAUSE', ms, mode], { host });
}

/** `CLIENT UNPAUSE`: ends a `clientPause` early. */
export async function clientUnpause(url: string): Promise<void> {
  const { host, port } = address(url);
  await redisCommand(port, ['CLIENT', 'UNPAUSE'], { host });
}

/**
 * `DEBUG SLEEP seconds` (fractions allowed): the whole server blocks, as in a long script or a slow fork,
 * answering nobody. Resolves when it wakes up, so do not await it before the commands it should delay:
 * `const sleeping = debugSleep(url, 1); ...; await sleeping`.
 *
 * Redis 7 refuses DEBUG unless started with `--enable-debug-command yes` or `local` (local connections
 * only, enough here): `startRedisServer({ args: ['--enable-debug-command', 'local'] })`.
 */
export async function debugSleep(url: string, seconds: number): Promise<void> {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`seconds must be a finite number >= 0, not ${seconds}`);
  }
  const { host, port } = address(url);
  try {
    // No reply comes until the sleep ends: wait that long, and then some for a loaded machine.
    await redisCommand(port, ['DEBUG', 'SLEEP', seconds], { host, timeoutMs: seconds * 1_000 + 5_000 });
  } catch (err) {
    if (/DEBUG command not allowed/i.test((err as Error).message)) {
      throw new Error(
        `${(err as Error).message} (debugSleep needs a server started with ` +
          `args: ['--enable-debug-command', 'local'])`,
      );
    }
    throw err;
  }
}

/** Host and port of a `redis://host:port` url; the raw connection cannot log in, so no credentials. */
function address(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  if (parsed.username || parsed.password) {
    throw new Error('server-side faults speak raw RESP without AUTH: pass a url without credentials');
  }
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 6379) };
}
