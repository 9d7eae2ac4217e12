import type { RedisConnection } from '@edirect/lock-core';
import { deleteKeys, redisUrl, testPrefix } from '@internal/test-harness';
import { Redis } from 'ioredis';
import type { Backend, LinkDelays } from './backend.js';

/** What ioredis sends by itself on connecting: CLIENT SETINFO / SETNAME, INFO (ready check), SELECT, AUTH, HELLO. */
const HANDSHAKE = new Set(['CLIENT', 'INFO', 'SELECT', 'AUTH', 'HELLO']);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The run's real Redis (test/harness: REDIS_URL or a server of its own), in real time. Each run works
 * under a fresh key prefix that is deleted afterwards, and each pod has its own ioredis connection. Link
 * delays are the network's own (the profile asks for none).
 */
export class RedisBackend implements Backend {
  readonly kind = 'redis';
  readonly latency = 25;
  readonly prefix = testPrefix('props');
  readonly #inspector = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  readonly #made: Redis[] = [];

  constructor(readonly chunkMs = 10) {}

  connect(_link: LinkDelays, onCommand?: (command: string) => void): RedisConnection {
    const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
    this.#made.push(redis);
    if (onCommand) {
      // ioredis sends every command through sendCommand: hear them there.
      const send = redis.sendCommand.bind(redis);
      redis.sendCommand = ((command: { name: string }, stream?: unknown) => {
        // ioredis's own handshake when the connection (re)connects is not the library's doing.
        const name = command.name.toUpperCase();
        if (!HANDSHAKE.has(name)) onCommand(name);
        return send(command as never, stream as never);
      }) as typeof redis.sendCommand;
    }
    return redis;
  }

  async read(keys: readonly string[]): Promise<Array<string | null>> {
    return keys.length === 0 ? [] : this.#inspector.mget(...keys);
  }

  async settle(): Promise<void> {
    await sleep(3);
  }

  async advance(ms: number, between: () => Promise<void>): Promise<void> {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      await sleep(Math.min(this.chunkMs, Math.max(1, end - performance.now())));
      await between();
    }
  }

  delay(ms: number): Promise<void> {
    return sleep(ms);
  }

  libraryTimers(): undefined {
    return undefined;
  }

  now(): number {
    return performance.now();
  }

  async dispose(): Promise<void> {
    await deleteKeys(this.#inspector, this.prefix).catch(() => {});
    for (const redis of this.#made) redis.disconnect();
    this.#inspector.disconnect();
  }
}
