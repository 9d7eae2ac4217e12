import { provisionRedis } from '@internal/redis-server';
import './provided.js';
import type { TestProject } from 'vitest/node';

/** Vitest global setup of the integration project: one Redis for the whole run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await provisionRedis();
  console.log(`[redis] ${redis.source} at ${redis.url}`);
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
