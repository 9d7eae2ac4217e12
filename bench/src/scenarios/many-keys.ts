import type { Redis } from 'ioredis';
import { type AdapterSpec, type LockAdapter, rotate, selected } from '../adapters/index.js';
import { nowUs } from '../lib/clock.js';
import type { BenchContext } from '../lib/context.js';
import {
  addDiff,
  type CommandDiff,
  commandCalls,
  countedRedis,
  deleteMatching,
  diffCalls,
  emptyDiff,
  type RoundTrips,
} from '../lib/redis.js';
import { summarize } from '../lib/stats.js';

export interface ManyKeysRow {
  id: string;
  lib: string;
  variant: string;
  settings: string;
  tasks: number;
  keys: number;
  ops: number;
  opsPerSec: number;
  /** acquire+release of one task, ms (waits for a busy key included). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  roundTripsPerOp: number;
  commandsPerOp: number;
  giveUps: number;
  /** Two tasks of this process inside the same key at once (checked in memory: one process). */
  violations: number;
  errors: string[];
}

interface Contestant {
  spec: AdapterSpec;
  redis: Redis;
  counter: RoundTrips;
  adapter: LockAdapter;
  latencies: number[];
  timeUs: number;
  ops: number;
  roundTrips: number;
  commands: CommandDiff;
  giveUps: number;
  violations: number;
  errors: Set<string>;
}

/**
 * (c) One process, one connection per library, `tasks` concurrent loops each locking a random one of
 * `keys` keys (hold 0): throughput when most acquisitions are uncontended and some collide.
 */
export async function manyKeys(ctx: BenchContext): Promise<ManyKeysRow[]> {
  const { rounds, sliceMs, tasks, keys } = ctx.params.manyKeys;
  const ttl = ctx.params.ttl;
  const all: Contestant[] = selected(ctx.params.libs).map((spec) => {
    const counter: RoundTrips = { count: 0 };
    const redis = countedRedis(ctx.redisUrl, counter);
    return {
      spec,
      redis,
      counter,
      adapter: spec.create(redis),
      latencies: [],
      timeUs: 0,
      ops: 0,
      roundTrips: 0,
      commands: emptyDiff(),
      giveUps: 0,
      violations: 0,
      errors: new Set(),
    };
  });
  try {
    for (const c of all) await c.redis.ping();
    for (let round = 0; round < rounds; round++) {
      for (const c of rotate(all, round)) {
        const names = Array.from({ length: keys }, (_, i) => `${ctx.tag}:c:${c.spec.id}:r${round}:${i}`);
        const inside = new Map<string, number>();
        const before = await commandCalls(ctx.admin);
        c.counter.count = 0;
        const start = nowUs();
        const end = start + sliceMs * 1_000;
        const task = async (): Promise<void> => {
          while (nowUs() < end) {
            const key = names[Math.floor(Math.random() * keys)] as string;
            const t0 = nowUs();
            try {
              const held = await c.adapter.acquire(key, ttl);
              const n = (inside.get(key) ?? 0) + 1;
              inside.set(key, n);
              if (n > 1) c.violations++;
              // Let other I/O run while inside, so a second holder of the key would be seen.
              await new Promise(setImmediate);
              inside.set(key, (inside.get(key) ?? 1) - 1);
              await held.release();
            } catch (err) {
              c.giveUps++;
              if (c.errors.size < 5) c.errors.add(String(err));
              continue;
            }
            const t1 = nowUs();
            if (t1 <= end) {
              c.ops++;
              c.latencies.push((t1 - t0) / 1_000);
            }
          }
        };
        await Promise.all(Array.from({ length: tasks }, task));
        c.timeUs += end - start;
        c.roundTrips += c.counter.count;
        c.commands = addDiff(c.commands, diffCalls(before, await commandCalls(ctx.admin)));
        await deleteMatching(ctx.admin, `*${ctx.tag}:c:*`).catch(() => {});
      }
      ctx.log(`  many keys: round ${round + 1}/${rounds} done`);
    }
  } finally {
    for (const c of all) {
      await c.adapter.close().catch(() => {});
      c.redis.disconnect();
    }
  }
  return all.map((c) => {
    const s = summarize(c.latencies);
    return {
      id: c.spec.id,
      lib: c.spec.lib,
      variant: c.spec.variant,
      settings: c.spec.settings,
      tasks,
      keys,
      ops: c.ops,
      opsPerSec: c.ops / (c.timeUs / 1e6),
      p50Ms: s.p50,
      p99Ms: s.p99,
      maxMs: s.max,
      roundTripsPerOp: c.roundTrips / Math.max(1, c.ops),
      commandsPerOp: c.commands.total / Math.max(1, c.ops),
      giveUps: c.giveUps,
      violations: c.violations,
      errors: [...c.errors, ...c.adapter.errors].slice(0, 5),
    };
  });
}
