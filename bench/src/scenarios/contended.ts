import { type AdapterSpec, rotate, selectedContended } from '../adapters/index.js';
import type { BenchContext } from '../lib/context.js';
import type { WorkerPool, WorkerProc } from '../lib/pool.js';
import {
  type ContendedRow,
  type ContendedTarget,
  describeRow,
  failedRow,
  runContended,
} from './contended-run.js';
import { type HandoffFloor, handoffFloor } from './floor.js';

export type { ContendedRow } from './contended-run.js';

/**
 * (b) K worker processes contend for one key: acquire, INCRBY the shared 'inside' counter (must return
 * 1), hold, DECRBY, release, again until the run ends. Each library in turn per (K, hold) cell; the
 * order rotates from cell to cell.
 */
export interface ContendedResult {
  floor: HandoffFloor;
  rows: ContendedRow[];
}

export async function contended(ctx: BenchContext, pool: WorkerPool): Promise<ContendedResult> {
  const { workers, holdsMs, durationMs, warmupMs, floorIterations } = ctx.params.contended;
  const [prober] = pool.take(1) as [WorkerProc];
  const floor = await handoffFloor(ctx, prober, floorIterations);
  ctx.log(
    `  floor: PING p50 ${floor.pingHotP50Ms.toFixed(3)} ms hot, ${floor.pingIdleP50Ms.toFixed(3)} ms after 2 ms idle; ` +
      `pub/sub to an idle process p50 ${floor.wakeP50Ms.toFixed(3)} ms`,
  );
  if (warmupMs > 0) {
    // Freshly forked workers run every library cold (JIT, caches): one short discarded run each first.
    const k = Math.max(...workers);
    for (const spec of selectedContended(ctx.params.libs)) {
      await runContended(ctx, pool, target(ctx, spec, k, 0), k, 0, warmupMs).catch(() => undefined);
    }
    ctx.log(`  warm-up done (${warmupMs} ms per library, K=${k})`);
  }
  const rows: ContendedRow[] = [];
  let cell = 0;
  for (const k of workers) {
    for (const holdMs of holdsMs) {
      for (const spec of rotate(selectedContended(ctx.params.libs), cell)) {
        const row = await runContended(ctx, pool, target(ctx, spec, k, holdMs), k, holdMs, durationMs).catch(
          async (err: unknown) => {
            for (const w of pool.take(k)) await pool.replace(w);
            return failedRow(spec, k, holdMs, durationMs, err);
          },
        );
        rows.push(row);
        ctx.log(`  contended ${describeRow(row)}`);
      }
      cell++;
    }
  }
  return { floor, rows };
}

/** Scenario (b)'s run: the lock on the bench's one Redis. */
function target(ctx: BenchContext, spec: AdapterSpec, k: number, holdMs: number): ContendedTarget {
  return { spec, key: `${ctx.tag}:b:${spec.id}:k${k}:h${holdMs}`, servers: [ctx.admin] };
}
