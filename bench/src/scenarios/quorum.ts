import { type RedisServer, startRedisServer } from '@internal/redis-server';
import { Redis } from 'ioredis';
import { type QuorumAdapterSpec, selectedQuorum } from '../adapters/index.js';
import type { BenchContext } from '../lib/context.js';
import type { WorkerPool } from '../lib/pool.js';
import { redisVersion } from '../lib/redis.js';
import { type ContendedRow, type ContendedTarget, runGrid } from './contended-run.js';
import { type QuorumUncontendedRow, quorumUncontended } from './quorum-uncontended.js';

export interface QuorumResult {
  /** Independent redis-servers the scenario started (and stopped by pid). */
  nodes: number;
  redisVersion: string;
  uncontended: QuorumUncontendedRow[];
  contended: ContendedRow[];
}

/**
 * (e) Redlock quorum: lock-core's `RedlockClient`, redlock and @sesamecare-oss/redlock, each given the
 * same N ioredis connections to N redis-servers started here on free ports. Part 1 as (a): acquire +
 * release back to back on one key. Part 2 as (b): K worker processes, each with N lock connections,
 * contend for one key; the 'inside' check counter stays on the bench's own Redis, so the N servers see
 * lock traffic only, and their INFO commandstats diffs are summed.
 */
export async function quorum(ctx: BenchContext, pool: WorkerPool): Promise<QuorumResult> {
  const { nodes, workers, holdsMs, durationMs, warmupMs } = ctx.params.quorum;
  const servers: RedisServer[] = [];
  const admins: Redis[] = [];
  try {
    // One at a time: each asks the kernel for a free port, so parallel starts could race for one.
    for (let i = 0; i < nodes; i++) servers.push(await startRedisServer());
    for (const s of servers) admins.push(new Redis(s.url, { maxRetriesPerRequest: 20 }));
    const version = await redisVersion(admins[0] as Redis);
    ctx.log(
      `  quorum: ${nodes} redis-servers ${version}, ports ${servers.map((s) => s.port).join(', ')}, ` +
        `pids ${servers.map((s) => s.pid).join(', ')}`,
    );
    const urls = servers.map((s) => s.url);
    const uncontended = await quorumUncontended(ctx, urls, admins);

    const specs = selectedQuorum(ctx.params.libs);
    const target = (spec: QuorumAdapterSpec, k: number, holdMs: number): ContendedTarget => ({
      spec,
      key: `${ctx.tag}:e:${spec.id}:k${k}:h${holdMs}`,
      quorumUrls: urls,
      servers: admins,
    });
    const contended = await runGrid(ctx, pool, {
      specs,
      target,
      workers,
      holdsMs,
      durationMs,
      warmupMs,
      label: 'quorum',
    });
    return { nodes, redisVersion: version, uncontended, contended };
  } finally {
    // Workers hold connections to the servers: stop them first, then each server by its pid.
    await pool.close();
    for (const a of admins) a.disconnect();
    await Promise.all(servers.map((s) => s.stop()));
  }
}
