import type { Redis } from 'ioredis';
import { type AdapterSpec, rotate } from '../adapters/index.js';
import { nowUs } from '../lib/clock.js';
import type { BenchContext } from '../lib/context.js';
import { TimeoutError, type WorkerPool, type WorkerProc } from '../lib/pool.js';
import type { WorkerResult } from '../lib/protocol.js';
import {
  addDiff,
  type CommandCalls,
  type CommandDiff,
  commandCalls,
  deleteMatching,
  diffCalls,
  emptyDiff,
} from '../lib/redis.js';
import { jain, minMaxRatio, type Summary, summarize } from '../lib/stats.js';

/**
 * One contended run, shared by (b) one Redis and (e) a Redlock quorum: K worker processes loop on one
 * key (acquire, INCRBY the 'inside' counter, hold, DECRBY, release) until the run ends; then the
 * critical sections are analysed on the shared monotonic clock.
 */

export interface ContendedRow {
  id: string;
  lib: string;
  variant: string;
  settings: string;
  workers: number;
  holdMs: number;
  durationS: number;
  /** Critical sections begun (acquired) inside the run's window. */
  criticalSections: number;
  csPerSec: number;
  /** Release by one worker to acquisition by a different worker, ms. */
  handoffMs: Summary;
  /**
   * acquire() call to resolution or give-up, ms; the max also counts waits still pending when the run
   * ended (a starved worker that never got the lock has waited at least that long).
   */
  waitMs: Summary;
  jain: number;
  minAcquisitions: number;
  maxAcquisitions: number;
  minMax: number;
  /** Share of consecutive critical sections where the releaser acquired again. */
  selfReacquire: number;
  /** INFO commandstats over every critical section, run tail included: with EVALSHA/EVAL, and without. */
  commandsPerCs: number;
  commandsPerCsWithoutEval: number;
  /** Commands per CS by name (with evalsha). */
  commandMix: Record<string, number>;
  /** Commands the workers' lock connections sent, per CS: each a round trip. */
  roundTripsPerCs: number;
  giveUps: number;
  /** INCRBY of the shared 'inside' counter returned more than 1. */
  violations: number;
  /** Critical-section intervals of two workers that overlap on the shared monotonic clock. */
  overlaps: number;
  lostReleases: number;
  errors: string[];
  /** Set when a worker did not finish within the grace period: what it was stuck in. */
  hung?: string;
}

interface Cs {
  worker: number;
  t0: number;
  t1: number;
  t2: number;
}

/** What a row says about its library. */
export type SpecInfo = Pick<AdapterSpec, 'id' | 'lib' | 'variant' | 'settings'>;

export interface ContendedTarget {
  spec: SpecInfo;
  /** The lock every worker contends for (its 'inside' counter is `<key>:inside`, on ctx.redisUrl). */
  key: string;
  /** (e): each worker opens one lock connection per URL and builds the quorum adapter `spec.id`. */
  quorumUrls?: string[];
  /** The servers holding the lock: their INFO commandstats are diffed (summed) and keys cleaned. */
  servers: Redis[];
}

export async function runContended(
  ctx: BenchContext,
  pool: WorkerPool,
  target: ContendedTarget,
  k: number,
  holdMs: number,
  durationMs: number,
): Promise<ContendedRow> {
  const { spec, key, quorumUrls, servers } = target;
  const procs = pool.take(k);
  procs.forEach((w, index) => {
    w.send({
      type: 'setup',
      job: {
        adapter: spec.id,
        redisUrl: ctx.redisUrl,
        key,
        checkKey: `${key}:inside`,
        ttl: ctx.params.ttl,
        holdMs,
        index,
        workers: k,
        ...(quorumUrls ? { quorumUrls } : {}),
      },
    });
  });
  await Promise.all(procs.map((w) => w.next('ready', 30_000)));
  const before = await Promise.all(servers.map((s) => commandCalls(s)));
  const startUs = nowUs() + 100_000;
  const endUs = startUs + durationMs * 1_000;
  for (const w of procs) w.send({ type: 'go', startUs, endUs });

  const deadline = durationMs + 100 + ctx.params.contended.graceMs;
  const failures: string[] = [];
  const results: Array<WorkerResult | undefined> = await Promise.all(
    procs.map((w) =>
      w.next('result', deadline).then(
        (m) => m.result,
        (err: unknown) => {
          if (err instanceof TimeoutError) w.send({ type: 'dump' });
          else failures.push(String(err));
          return undefined;
        },
      ),
    ),
  );
  const stuck = await collectHung(pool, procs, results);
  const hung = [...failures, ...(stuck ? [stuck] : [])].join('; ') || undefined;
  const after: CommandCalls[] = await Promise.all(servers.map((s) => commandCalls(s)));
  const commands = servers.reduce(
    (sum, _s, i) => addDiff(sum, diffCalls(before[i] as CommandCalls, after[i] as CommandCalls)),
    emptyDiff(),
  );
  for (const host of new Set([ctx.admin, ...servers])) {
    await deleteMatching(host, `${key}*`).catch(() => {});
    await deleteMatching(host, `*{${key}}*`).catch(() => {});
    await deleteMatching(host, `mutex:${key}*`).catch(() => {});
  }
  return analyse(spec, k, holdMs, durationMs, startUs, endUs, results, commands, hung);
}

/** The row of a run that could not start or finish: a row of its own, not the end of the benchmark. */
export function failedRow(
  spec: SpecInfo,
  k: number,
  holdMs: number,
  durationMs: number,
  err: unknown,
): ContendedRow {
  return analyse(spec, k, holdMs, durationMs, 0, 1, [], emptyDiff(), `failed: ${String(err)}`);
}

/** What a contended grid needs: the libraries, where each run's lock lives, and how to label progress. */
export interface Grid<S extends SpecInfo> {
  specs: readonly S[];
  target: (spec: S, k: number, holdMs: number) => ContendedTarget;
  workers: readonly number[];
  holdsMs: readonly number[];
  durationMs: number;
  /** A discarded run per library before the first cell, ms (0: none). */
  warmupMs: number;
  /** Prefix of the progress lines ('contended', 'quorum'). */
  label: string;
}

/**
 * Every (K, hold) cell, each library in turn, the order rotating from cell to cell; a run that fails
 * becomes a failed row (its workers replaced), not the end of the benchmark. (b) and (e) share it.
 */
export async function runGrid<S extends SpecInfo>(
  ctx: BenchContext,
  pool: WorkerPool,
  grid: Grid<S>,
): Promise<ContendedRow[]> {
  const { specs, target, workers, holdsMs, durationMs, warmupMs, label } = grid;
  if (warmupMs > 0) {
    // Freshly forked workers run every library cold (JIT, caches): one short discarded run each first.
    const k = Math.max(...workers);
    for (const spec of specs) {
      await runContended(ctx, pool, target(spec, k, 0), k, 0, warmupMs).catch(() => undefined);
    }
    ctx.log(`  ${label} warm-up done (${warmupMs} ms per library, K=${k})`);
  }
  const rows: ContendedRow[] = [];
  let cell = 0;
  for (const k of workers) {
    for (const holdMs of holdsMs) {
      for (const spec of rotate(specs, cell)) {
        const row = await runContended(ctx, pool, target(spec, k, holdMs), k, holdMs, durationMs).catch(
          async (err: unknown) => {
            for (const w of pool.take(k)) await pool.replace(w);
            return failedRow(spec, k, holdMs, durationMs, err);
          },
        );
        rows.push(row);
        ctx.log(`  ${label} ${describeRow(row)}`);
      }
      cell++;
    }
  }
  return rows;
}

/** The progress line of one run. */
export function describeRow(row: ContendedRow): string {
  return (
    `K=${row.workers} hold=${row.holdMs}: ${row.id.padEnd(24)} ${row.csPerSec.toFixed(0).padStart(6)} CS/s  ` +
    `jain ${row.jain.toFixed(3)}  handoff p50 ${row.handoffMs.p50.toFixed(3)} ms  ` +
    `rt/CS ${row.roundTripsPerCs.toFixed(1)}  cmds/CS ${row.commandsPerCs.toFixed(1)}  ` +
    `give-ups ${row.giveUps}  violations ${row.violations}/${row.overlaps}${row.hung ? `  HUNG: ${row.hung}` : ''}`
  );
}

/** Workers that overran: take their partial report (with what they are stuck in), then replace them. */
async function collectHung(
  pool: WorkerPool,
  procs: WorkerProc[],
  results: Array<WorkerResult | undefined>,
): Promise<string | undefined> {
  const stuck: string[] = [];
  for (let i = 0; i < procs.length; i++) {
    if (results[i]) continue;
    const w = procs[i] as WorkerProc;
    const partial = await w
      .next('result', 5_000)
      .then((m) => m.result)
      .catch(() => undefined);
    results[i] = partial;
    stuck.push(
      partial?.stuckInAcquireUs !== undefined
        ? `worker ${i} stuck in acquire() for ${(partial.stuckInAcquireUs / 1e6).toFixed(1)} s`
        : `worker ${i} unresponsive`,
    );
    await pool.replace(w);
  }
  return stuck.length > 0 ? stuck.join('; ') : undefined;
}

function analyse(
  spec: SpecInfo,
  k: number,
  holdMs: number,
  durationMs: number,
  startUs: number,
  endUs: number,
  results: Array<WorkerResult | undefined>,
  commands: CommandDiff,
  hung: string | undefined,
): ContendedRow {
  const all: Cs[] = [];
  const perWorker = new Array<number>(k).fill(0);
  let giveUps = 0;
  let violations = 0;
  let lostReleases = 0;
  let roundTrips = 0;
  const errors = new Set<string>();
  const waits: number[] = [];
  // Waits cut off by the end of the run (or by a hang), as lower bounds: only the maximum uses them.
  let censoredMax = 0;
  results.forEach((r, worker) => {
    if (!r) return;
    giveUps += r.giveUps;
    violations += r.violations;
    lostReleases += r.lostReleases;
    roundTrips += r.roundTrips;
    for (const e of r.errors) errors.add(e);
    for (let i = 0; i < r.acquired.length; i++) {
      const cs: Cs = {
        worker,
        t0: r.waitStart[i] as number,
        t1: r.acquired[i] as number,
        t2: r.released[i] as number,
      };
      all.push(cs);
      if (cs.t1 >= startUs && cs.t1 < endUs) perWorker[worker] = (perWorker[worker] ?? 0) + 1;
      else if (cs.t0 < endUs && cs.t1 >= endUs) censoredMax = Math.max(censoredMax, (endUs - cs.t0) / 1_000);
    }
    // A give-up waited too: a library that starves a worker until it times out must not look fast.
    for (let i = 0; i + 1 < r.gaveUp.length; i += 2) {
      const [t0, t1] = [r.gaveUp[i] as number, r.gaveUp[i + 1] as number];
      if (t1 >= startUs && t1 < endUs) waits.push((t1 - t0) / 1_000);
    }
    if (r.stuckInAcquireUs !== undefined) censoredMax = Math.max(censoredMax, r.stuckInAcquireUs / 1_000);
  });
  all.sort((a, b) => a.t1 - b.t1);

  let overlaps = 0;
  let lastRelease = Number.NEGATIVE_INFINITY;
  const handoffs: number[] = [];
  let pairs = 0;
  let self = 0;
  let inWindow = 0;
  for (let i = 0; i < all.length; i++) {
    const cs = all[i] as Cs;
    // With exclusion, each section starts after the previous holder called release(): any earlier
    // start means two workers were inside at once (the clock is shared: CLOCK_MONOTONIC).
    if (cs.t1 < lastRelease) overlaps++;
    lastRelease = Math.max(lastRelease, cs.t2);
    if (cs.t1 < startUs || cs.t1 >= endUs) continue;
    inWindow++;
    waits.push((cs.t1 - cs.t0) / 1_000);
    const prev = all[i - 1];
    if (!prev || prev.t1 < startUs) continue;
    pairs++;
    if (prev.worker === cs.worker) self++;
    else handoffs.push((cs.t1 - prev.t2) / 1_000);
  }
  const total = all.length;
  const commandMix: Record<string, number> = {};
  for (const [name, calls] of Object.entries(commands.byName)) commandMix[name] = calls / Math.max(1, total);
  const row: ContendedRow = {
    id: spec.id,
    lib: spec.lib,
    variant: spec.variant,
    settings: spec.settings,
    workers: k,
    holdMs,
    durationS: durationMs / 1_000,
    criticalSections: inWindow,
    csPerSec: inWindow / ((endUs - startUs) / 1e6),
    handoffMs: summarize(handoffs),
    waitMs: withMax(summarize(waits), censoredMax),
    jain: jain(perWorker),
    minAcquisitions: Math.min(...perWorker),
    maxAcquisitions: Math.max(...perWorker),
    minMax: minMaxRatio(perWorker),
    selfReacquire: pairs > 0 ? self / pairs : Number.NaN,
    commandsPerCs: commands.total / Math.max(1, total),
    commandsPerCsWithoutEval: commands.withoutEval / Math.max(1, total),
    commandMix,
    roundTripsPerCs: roundTrips / Math.max(1, total),
    giveUps,
    violations,
    overlaps,
    lostReleases,
    errors: [...errors].slice(0, 10),
  };
  if (hung) row.hung = hung;
  return row;
}

function withMax(s: Summary, censoredMax: number): Summary {
  return censoredMax > (Number.isNaN(s.max) ? 0 : s.max) ? { ...s, max: censoredMax } : s;
}
