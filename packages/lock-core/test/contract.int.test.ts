import { useRedis } from '@internal/test-harness';
import type { Redis } from 'ioredis';
import { contractSuite } from './contract/index.js';

// The same contract on real Redis, under this file's own key prefix (deleted after the file).
const { redis, prefix } = useRedis('contract');

contractSuite('real Redis', () => {
  const made: Redis[] = [];
  return {
    prefix,
    connect: () => {
      const connection = redis.duplicate();
      made.push(connection);
      return connection;
    },
    inspect: redis,
    close: async () => {
      for (const connection of made) connection.disconnect();
    },
  };
});
