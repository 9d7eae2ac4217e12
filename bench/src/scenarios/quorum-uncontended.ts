import type { Redis } from 'ioredis';
import { type LockAdapter, type QuorumAdapterSpec, rotate, selectedQuorum } from '../adapters/index.js';
import { nowUs } from '../lib/clock.js';
import type { BenchContext } from '../lib/context.js';
import {
  addDiff,
  type CommandDiff,
  commandCalls,
  countedRedis,
  diffCalls,
  emptyDiff,
  type RoundTrips,
} from '../lib/redis.js';
import { summarize } from '../lib/stats.js';
import type { UncontendedRow } from './uncontended.js';

/**
 * A row of (a), without the floor ratio (no raw floor over a quorum). Here p50/p99 are of one pair (of one
 * PING to every node at once, for the PING row); round trips count every node's command (a step to N nodes
 * in parallel counts N); commands are INFO commandstats summed over the N servers.
 */
export type QuorumUncontendedRow = Omit<UncontendedRow, 'vsFloor'>;

interface Contestant {
  id: string;
  spec: QuorumAdapterSpec | null;
  conns: Redis[];
  counter: RoundTrips;
  adapter: LockAdapter | null;
  key: string;
  latencies: number[];
  timeUs: number;
  roundTrips: number;
  commands: CommandDiff;
}

/**
 * (e) part 1: one process, N connections (one per node), one key, acquire+release back to back. A PING
 * to every node at once runs in the same rounds as the floor; the order rotates every round.
 */
export async function quorumUncontended(
  ctx: BenchContext,
  urls: readonly string[],
  admins: readonly Redis[],
): Promise<QuorumUncontendedRow[]> {
  const { rounds, sliceMs } = ctx.params.quorum.uncontended;
  const ttl = ctx.params.ttl;
  const make = (id: string, spec: QuorumAdapterSpec | null): Contestant => {
    const counter: RoundTrips = { count: 0 };
    const conns = urls.map((url) => countedRedis(url, counter));
    return {
      id,
      spec,
      conns,
      counter,
      adapter: spec ? spec.create(conns) : null,
      key: `${ctx.tag}:e:a:${id}`,
      latencies: [],
      timeUs: 0,
      roundTrips: 0,
      commands: emptyDiff(),
    };
  };
  const all = [make('PING', null), ...selectedQuorum(ctx.params.libs).map((s) => make(s.id, s))];
  const snapshot = () => Promise.all(admins.map((a) => commandCalls(a)));
  try {
    for (const c of all) {
      await Promise.all(c.conns.map((r) => r.ping()));
      if (c.adapter) for (let i = 0; i < 20; i++) await (await c.adapter.acquire(c.key, ttl)).release();
    }
    for (let round = 0; round < rounds; round++) {
      for (const c of rotate(all, round)) {
        const before = await snapshot();
        c.counter.count = 0;
        const start = nowUs();
        const end = start + sliceMs * 1_000;
        let t = start;
        while (t < end) {
          if (c.adapter) await (await c.adapter.acquire(c.key, ttl)).release();
          else await Promise.all(c.conns.map((r) => r.ping()));
          const t2 = nowUs();
          c.latencies.push(t2 - t);
          t = t2;
        }
        c.timeUs += t - start;
        c.roundTrips += c.counter.count;
        const after = await snapshot();
        for (let i = 0; i < admins.length; i++) {
          c.commands = addDiff(c.commands, diffCalls(before[i] ?? {}, after[i] ?? {}));
        }
      }
      ctx.log(`  quorum uncontended: round ${round + 1}/${rounds} done`);
    }
  } finally {
    for (const c of all) {
      await c.adapter?.close().catch(() => {});
      for (const r of c.conns) r.disconnect();
    }
  }
  return all.map((c): QuorumUncontendedRow => {
    const s = summarize(c.latencies);
    const n = Math.max(1, c.latencies.length);
    return {
      id: c.id,
      lib: c.spec?.lib ?? 'PING',
      variant: c.spec?.variant ?? '',
      settings: c.spec?.settings ?? `one PING to each of the ${urls.length} nodes at once per iteration`,
      pairs: c.latencies.length,
      pairsPerSec: c.latencies.length / (c.timeUs / 1e6),
      p50Ms: s.p50 / 1_000,
      p99Ms: s.p99 / 1_000,
      roundTripsPerPair: c.spec ? c.roundTrips / n : urls.length,
      commandsPerPair: c.spec ? c.commands.total / n : urls.length,
      commandsPerPairWithoutEval: c.spec ? c.commands.withoutEval / n : urls.length,
      errors: c.adapter?.errors ?? [],
    };
  });
}
