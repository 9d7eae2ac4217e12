import { redisUrl, useRedis } from '@internal/test-harness';
import { describe } from 'vitest';
import { twoPodsScenario } from './fixtures/two-pods.js';

const { prefix } = useRedis('nest-pods');

describe('two Nest apps on one real Redis, each with the connection its module made', () => {
  twoPodsScenario(() => ({ redis: redisUrl(), keyPrefix: prefix }));
});
