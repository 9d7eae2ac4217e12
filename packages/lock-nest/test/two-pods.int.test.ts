import { describe } from 'vitest';
import { redisUrl, useRedis } from '../../../test/harness/index.js';
import { twoPodsScenario } from './fixtures/two-pods.js';

const { prefix } = useRedis('nest-pods');

describe('two Nest apps on one real Redis, each with the connection its module made', () => {
  twoPodsScenario(() => ({ redis: redisUrl(), keyPrefix: prefix }));
});
