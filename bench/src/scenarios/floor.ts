import { Redis } from 'ioredis';
import { nowUs, sleep } from '../lib/clock.js';
import type { BenchContext } from '../lib/context.js';
import type { WorkerProc } from '../lib/pool.js';
import { summarize } from '../lib/stats.js';

/** What any cross-process handoff through Redis costs on this machine, measured in the same run. */
export interface HandoffFloor {
  /** PING after PING on a busy connection (the yardstick), ms. */
  pingHotP50Ms: number;
  /** PING from a process that was idle for 2 ms, as a worker is after its hold, ms. */
  pingIdleP50Ms: number;
  /** PUBLISH sent by one process to the moment another, idle process reads it, ms. */
  wakeP50Ms: number;
  wakeP99Ms: number;
  samples: number;
}

/**
 * A waiter that sleeps must be woken: Redis writes to its socket and the kernel schedules it. This
 * measures that one-way trip (publisher's stamp to subscriber's stamp, one monotonic clock) with the
 * subscriber idle between messages, next to PING round trips hot and after 2 ms idle.
 */
export async function handoffFloor(
  ctx: BenchContext,
  worker: WorkerProc,
  iterations: number,
): Promise<HandoffFloor> {
  const channel = `${ctx.tag}:floor`;
  const pub = new Redis(ctx.redisUrl, { maxRetriesPerRequest: 20 });
  try {
    worker.send({ type: 'listen', redisUrl: ctx.redisUrl, channel });
    await worker.next('ready', 20_000);
    const hot: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const t = nowUs();
      await pub.ping();
      hot.push((nowUs() - t) / 1_000);
    }
    const idle: number[] = [];
    for (let i = 0; i < iterations; i++) {
      await sleep(2);
      if (i % 2 === 0) {
        const t = nowUs();
        await pub.ping();
        idle.push((nowUs() - t) / 1_000);
      } else {
        await pub.publish(channel, String(nowUs()));
      }
    }
    await sleep(50);
    worker.send({ type: 'unlisten' });
    const { samples } = await worker.next('heard', 10_000);
    const wake: number[] = [];
    for (let i = 0; i + 1 < samples.length; i += 2) {
      wake.push(((samples[i + 1] as number) - (samples[i] as number)) / 1_000);
    }
    const w = summarize(wake);
    return {
      pingHotP50Ms: summarize(hot).p50,
      pingIdleP50Ms: summarize(idle).p50,
      wakeP50Ms: w.p50,
      wakeP99Ms: w.p99,
      samples: w.n,
    };
  } finally {
    pub.disconnect();
  }
}
