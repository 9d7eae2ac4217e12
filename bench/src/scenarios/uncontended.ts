import type { Redis } from 'ioredis';
import { type AdapterSpec, type LockAdapter, RAW_FLOOR, rotate, selected } from '../adapters/index.js';
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

export interface UncontendedRow {
  id: string;
  lib: string;
  variant: string;
  settings: string;
  pairs: number;
  pairsPerSec: number;
  /** Latency of one acquire+release pair (one PING for the PING row), ms. */
  p50Ms: number;
  p99Ms: number;
  roundTripsPerPair: number;
  commandsPerPair: number;
  commandsPerPairWithoutEval: number;
  /** pairs/s over the raw floor's: the median of the per-round ratios (each round's neighbours share its drift). */
  vsFloor: number;
  errors: string[];
}

export interface UncontendedResult {
  rows: UncontendedRow[];
  pingP50Ms: number;
}

interface Contestant {
  id: string;
  spec: AdapterSpec | null;
  redis: Redis;
  counter: RoundTrips;
  adapter: LockAdapter | null;
  key: string;
  latencies: number[];
  timeUs: number;
  /** pairs/s of each round. */
  perRound: number[];
  roundTrips: number;
  commands: CommandDiff;
}

/**
 * (a) One connection, one key, acquire+release back to back, no other traffic. The raw floor and a PING
 * loop run in the same rounds, each library in turn (the order rotates every round).
 */
export async function uncontended(ctx: BenchContext): Promise<UncontendedResult> {
  const { rounds, sliceMs } = ctx.params.uncontended;
  const ttl = ctx.params.ttl;
  const make = (id: string, spec: AdapterSpec | null): Contestant => {
    const counter: RoundTrips = { count: 0 };
    const redis = countedRedis(ctx.redisUrl, counter);
    return {
      id,
      spec,
      redis,
      counter,
      adapter: spec ? spec.create(redis) : null,
      key: `${ctx.tag}:a:${id}`,
      latencies: [],
      timeUs: 0,
      perRound: [],
      roundTrips: 0,
      commands: emptyDiff(),
    };
  };
  const all = [
    make('PING', null),
    make(RAW_FLOOR.id, RAW_FLOOR),
    ...selected(ctx.params.libs).map((s) => make(s.id, s)),
  ];
  try {
    // Warm-up, untimed: connect, load scripts, subscribe where a library does.
    for (const c of all) {
      await c.redis.ping();
      if (c.adapter) for (let i = 0; i < 20; i++) await (await c.adapter.acquire(c.key, ttl)).release();
    }
    for (let round = 0; round < rounds; round++) {
      for (const c of rotate(all, round)) {
        const before = { calls: await commandCalls(ctx.admin), n: c.latencies.length };
        c.counter.count = 0;
        const start = nowUs();
        const end = start + sliceMs * 1_000;
        let t = start;
        if (c.adapter) {
          const { adapter, key } = c;
          while (t < end) {
            const held = await adapter.acquire(key, ttl);
            await held.release();
            const t2 = nowUs();
            c.latencies.push(t2 - t);
            t = t2;
          }
        } else {
          while (t < end) {
            await c.redis.ping();
            const t2 = nowUs();
            c.latencies.push(t2 - t);
            t = t2;
          }
        }
        c.timeUs += t - start;
        c.perRound.push((c.latencies.length - before.n) / ((t - start) / 1e6));
        c.roundTrips += c.counter.count;
        c.commands = addDiff(c.commands, diffCalls(before.calls, await commandCalls(ctx.admin)));
      }
      ctx.log(`  uncontended: round ${round + 1}/${rounds} done`);
    }
  } finally {
    for (const c of all) {
      await c.adapter?.close().catch(() => {});
      c.redis.disconnect();
    }
  }
  const floor = all[1] as Contestant;
  const rate = (c: Contestant): number => c.latencies.length / (c.timeUs / 1e6);
  const rows = all.map((c): UncontendedRow => {
    const s = summarize(c.latencies);
    const n = c.latencies.length;
    return {
      id: c.id,
      lib: c.spec?.lib ?? 'PING',
      variant: c.spec?.variant ?? '',
      settings: c.spec?.settings ?? 'one PING per iteration',
      pairs: n,
      pairsPerSec: rate(c),
      p50Ms: s.p50 / 1_000,
      p99Ms: s.p99 / 1_000,
      roundTripsPerPair: c.spec ? c.roundTrips / n : 1,
      commandsPerPair: c.spec ? c.commands.total / n : 1,
      commandsPerPairWithoutEval: c.spec ? c.commands.withoutEval / n : 1,
      vsFloor: summarize(c.perRound.map((r, i) => r / (floor.perRound[i] as number))).p50,
      errors: c.adapter?.errors ?? [],
    };
  });
  return { rows, pingP50Ms: (rows[0] as UncontendedRow).p50Ms };
}
