import { existsSync } from 'node:fs';
import { type RedisServer, startRedisServer } from './server.js';

/** Where the run's Redis came from, so a test log says which server it used. */
export interface ProvisionedRedis {
  url: string;
  source: 'REDIS_URL' | 'testcontainers' | 'redis-server';
  stop(): Promise<void>;
}

function containerRuntimeLikely(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/**
 * A Redis for the run, in order of preference: an explicit `REDIS_URL`; a container when a container
 * runtime exists; a `redis-server` from PATH on a free loopback port. Throws, saying why each failed,
 * when none can be had: integration tests never skip silently.
 */
export async function provisionRedis(env: NodeJS.ProcessEnv = process.env): Promise<ProvisionedRedis> {
  const reasons: string[] = [];
  if (env.REDIS_URL) {
    return { url: env.REDIS_URL, source: 'REDIS_URL', stop: async () => {} };
  }
  reasons.push('REDIS_URL is not set');

  if (containerRuntimeLikely()) {
    try {
      // Imported lazily: loading testcontainers costs ~200 ms and is useless without a runtime.
      const { RedisContainer } = await import('@testcontainers/redis');
      const container = await new RedisContainer('redis:7-alpine').start();
      return {
        url: container.getConnectionUrl(),
        source: 'testcontainers',
        stop: async () => {
          await container.stop();
        },
      };
    } catch (err) {
      reasons.push(`testcontainers: ${(err as Error).message.split('\n')[0]}`);
    }
  } else {
    reasons.push('no container runtime (no DOCKER_HOST, no /var/run/docker.sock)');
  }

  let server: RedisServer;
  try {
    server = await startRedisServer();
  } catch (err) {
    reasons.push(`redis-server from PATH: ${(err as Error).message}`);
    throw new Error(
      `No Redis for the integration tests. Tried, in order:\n  - ${reasons.join('\n  - ')}\n` +
        'Set REDIS_URL=redis://host:port, start Docker, or put redis-server on PATH.',
    );
  }
  return { url: server.url, source: 'redis-server', stop: () => server.stop() };
}
