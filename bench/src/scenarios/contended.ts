import { type AdapterSpec, selectedContended } from '../adapters/index.js';
import type { BenchContext } from '../lib/context.js';
import type { WorkerPool, WorkerProc } from '../lib/pool.js';
import { type ContendedRow, type ContendedTarget, runGrid } from './contended-run.js';
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
  const rows = await runGrid(ctx, pool, {
    specs: selectedContended(ctx.params.libs),
    target: (spec, k, holdMs) => target(ctx, spec, k, holdMs),
    workers,
    holdsMs,
    durationMs,
    warmupMs,
    label: 'contended',
  });
  return { floor, rows };
}

/** Scenario (b)'s run: the lock on the bench's one Redis. */
function target(ctx: BenchContext, spec: AdapterSpec, k: number, holdMs: number): ContendedTarget {
  return { spec, key: `${ctx.tag}:b:${spec.id}:k${k}:h${holdMs}`, servers: [ctx.admin] };
}
