import { LockModule, OwnerOnly, WithLock } from '@edirect/lock';
import { redisUrl, useRedis } from '@internal/test-harness';
import { type INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Cron, CronExpression, Interval, ScheduleModule } from '@nestjs/schedule';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The decorators on real @nestjs/schedule jobs: two apps ("pods") with ScheduleModule on one Redis, the
 * scheduler calling the methods itself.
 */

const { prefix } = useRedis('nest-schedule');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Shared by both pods' instances: how many report runs overlap at once, across the "cluster". */
const cluster = { active: 0, maxActive: 0, reports: 0 };

@Injectable()
class ScheduledJobs {
  ownerTicks = 0;

  @Cron(CronExpression.EVERY_SECOND)
  @OwnerOnly()
  async ownerTick() {
    this.ownerTicks++;
  }

  @WithLock('scheduled-report')
  @Interval(50)
  async report() {
    cluster.active++;
    cluster.maxActive = Math.max(cluster.maxActive, cluster.active);
    cluster.reports++;
    await sleep(120);
    cluster.active--;
  }
}

@Module({})
class PodModule {}

describe('@OwnerOnly and @WithLock on @Cron / @Interval jobs of two ScheduleModule apps', () => {
  const open: INestApplicationContext[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((app) => app.close()));
  });

  const pod = async () => {
    const app = await NestFactory.createApplicationContext(
      {
        module: PodModule,
        imports: [
          ScheduleModule.forRoot(),
          LockModule.register({ redis: redisUrl(), keyPrefix: prefix, lockOwner: 'scheduled' }),
        ],
        providers: [ScheduledJobs],
      },
      { logger: false, abortOnError: false },
    );
    open.push(app);
    return app.get(ScheduledJobs);
  };

  it('the cron job runs on one pod only; the locked interval job never runs on both at once', async () => {
    const jobs = await Promise.all([pod(), pod()]);
    // Every second both pods tick; only the owner's tick does the work. Wait for a few ticks.
    await expect
      .poll(() => jobs[0].ownerTicks + jobs[1].ownerTicks, { timeout: 15_000, interval: 100 })
      .toBeGreaterThanOrEqual(3);
    expect(jobs.filter((j) => j.ownerTicks > 0)).toHaveLength(1);
    // Ticks every 50 ms on each pod, each run holding the lock 120 ms: they overlap unless the lock holds.
    await expect.poll(() => cluster.reports, { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    expect(cluster.maxActive).toBe(1);
  });
});
