import { LockModule, LockService } from '@edirect/lock';
import { ownerKeys } from '@edirect/lock-core/testing';
import { redisUrl, useRedis } from '@internal/test-harness';
import { Injectable, Module } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigModule, ConfigService, testEnv } from './fixtures/edirect-config.js';
import { deleteKeysContaining } from './fixtures/keys.js';
import { envFromUrl } from './fixtures/redis-env.js';

/**
 * The original README, word for word: its AppModule (with a stand-in for @edirect/config) and its two
 * services, which inject LockService by type. Only the services' bodies that the README leaves out
 * (fetchAndSyncPolicies, processJob) are filled in, to count calls.
 */

const { redis, prefix } = useRedis('nest-original');
const calls = { sync: 0, job: 0 };

@Injectable()
export class SyncService {
  constructor(private readonly lock: LockService) {}

  async syncPolicies() {
    this.lock.lock(
      `${prefix}sync-policies-task`,
      async (unlock) => {
        try {
          // Only one pod will execute this at a time
          await this.fetchAndSyncPolicies();
        } finally {
          // Always unlock when done
          unlock();
        }
      },
      30000,
    ); // optional TTL in ms (30s default)
  }

  private async fetchAndSyncPolicies() {
    calls.sync++;
  }
}

@Injectable()
export class JobService {
  constructor(private readonly lock: LockService) {}

  @Cron('0 * * * * *') // every minute
  async runScheduledJob() {
    if (await this.lock.isLockOwner()) {
      // Only the owner pod runs this
      await this.processJob();
    }
  }

  private async processJob() {
    calls.job++;
  }
}

@Module({
  imports: [
    ConfigModule,
    LockModule.registerAsync({
      imports: [ConfigModule],
      useFactory: (configService: ConfigService) => ({
        lockOwner: configService.get('NAMESPACE') ?? 'default',
        redis: {
          host: configService.get('REDIS_HOST') ?? 'localhost',
          port: Number(configService.get('REDIS_PORT') ?? 6379),
          password: configService.get('REDIS_PASS'),
        },
      }),
      inject: [ConfigService],
    }),
  ],
  providers: [SyncService, JobService],
})
export class AppModule {}

describe('the original README setup, unchanged', () => {
  const namespace = `${prefix}namespace`;
  beforeAll(() => {
    Object.assign(testEnv, envFromUrl(redisUrl()), { NAMESPACE: namespace });
  });
  afterAll(() => deleteKeysContaining(redis, prefix));

  it('boots registerAsync({ imports, useFactory, inject }) and serves the README examples', async () => {
    const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const lock = app.get(LockService);
    try {
      // Timed lock: the callback runs, then unlock() frees the key.
      await app.get(SyncService).syncPolicies();
      await vi.waitFor(() => expect(calls.sync).toBe(1), { timeout: 5_000 });
      await vi.waitFor(async () =>
        expect(await lock.tryAcquire(`${prefix}sync-policies-task`)).not.toBeNull(),
      );

      // Owner lock: this pod is the only one, so it owns the namespace and runs the job.
      await app.get(JobService).runScheduledJob();
      expect(calls.job).toBe(1);
      const owner = await lock.getLockOwner();
      expect(owner).toBe(lock.client.instanceId);
      expect(await redis.exists(ownerKeys('', namespace).lock)).toBe(1);
      expect(await lock.setLockOwner()).toBe(owner);
      await lock.removeLockOwner();
      expect(await lock.getLockOwner()).toBeNull();

      // Key/value: SET NX unless override.
      const flag = `${prefix}feature-flag:new-flow`;
      await lock.set(flag, 'true');
      expect(await lock.get(flag)).toBe('true');
      await lock.set(flag, 'false');
      expect(await lock.get(flag)).toBe('true');
      await lock.set(flag, 'false', true);
      expect(await lock.get(flag)).toBe('false');
      expect(await lock.get(`${prefix}missing`)).toBeNull();
    } finally {
      await app.close();
    }
  });

  it('REDIS_PORT that is not a number fails the bootstrap and names redis.port', async () => {
    testEnv.REDIS_PORT = 'sixthree';
    try {
      await expect(Test.createTestingModule({ imports: [AppModule] }).compile()).rejects.toThrow(
        'LockModule options.redis.port must be a port number from 1 to 65535, got NaN',
      );
    } finally {
      Object.assign(testEnv, envFromUrl(redisUrl()));
    }
  });
});
