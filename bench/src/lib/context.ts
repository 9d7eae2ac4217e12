import type { Redis } from 'ioredis';
import type { Params } from './config.js';

/** What every scenario gets from main.ts. */
export interface BenchContext {
  readonly params: Params;
  readonly redisUrl: string;
  /** The harness's own connection: INFO snapshots and cleanup, never lock traffic. */
  readonly admin: Redis;
  /** In every key the bench touches, so cleanup can find them all: `bench-<random>`. */
  readonly tag: string;
  log(line: string): void;
}
