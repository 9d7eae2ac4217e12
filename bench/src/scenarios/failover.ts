import type { BenchContext } from '../lib/context.js';
import { WorkerProc } from '../lib/pool.js';
import { deleteMatching } from '../lib/redis.js';

export interface FailoverRow {
  id: string;
  variant: string;
  settings: string;
  candidates: number;
  /** SIGKILL of the leader to another candidate's onElected, ms. */
  afterKillMs: number;
  /** The leader's stop() call to another candidate's onElected, ms. */
  afterStopMs: number;
  error?: string;
}

const CANDIDATES = 3;

/**
 * (d) Three processes campaign with lock-core's elect(). The leader is SIGKILLed: the time until another
 * is elected is what a crash costs (the lease must run out). Then the new leader resigns cleanly
 * (election.stop(), client.close()): the lease is handed to the next campaigner at once. The peers have
 * no leader election, so there is nothing of theirs to compare.
 */
export async function failover(ctx: BenchContext): Promise<FailoverRow[]> {
  const rows: FailoverRow[] = [];
  for (const { variant, timings } of ctx.params.failover.variants) {
    const settings = timings
      ? `leaseTtl ${timings.leaseTtl}, renewDeadline ${timings.renewDeadline}, retryPeriod ${timings.retryPeriod}`
      : 'defaults: leaseTtl = ownerTtl 15000, renewDeadline 10000, retryPeriod 2000';
    const row: FailoverRow = {
      id: `lock-core/${variant}`,
      variant,
      settings,
      candidates: CANDIDATES,
      afterKillMs: Number.NaN,
      afterStopMs: Number.NaN,
    };
    const name = `${ctx.tag}:d:${variant}`;
    const procs = Array.from({ length: CANDIDATES }, () => new WorkerProc());
    const leaseTtl = timings?.leaseTtl ?? 15_000;
    const retry = timings?.retryPeriod ?? 2_000;
    try {
      procs.forEach((w, index) => {
        w.send({
          type: 'elect',
          job: { redisUrl: ctx.redisUrl, name, index, ...(timings ? { timings } : {}) },
        });
      });
      await Promise.all(procs.map((w) => w.next('ready', 20_000)));
      const first = await electedAmong(procs, leaseTtl + 10_000);
      // Let the others queue up and settle into their wait.
      await new Promise((r) => setTimeout(r, Math.min(1_000, retry * 2)));
      const killedAt = Number(process.hrtime.bigint()) / 1_000;
      first.proc.kill('SIGKILL');
      const second = await electedAmong(
        procs.filter((w) => w !== first.proc),
        leaseTtl * 2 + 10_000,
      );
      row.afterKillMs = (second.at - killedAt) / 1_000;
      await new Promise((r) => setTimeout(r, Math.min(1_000, retry * 2)));
      second.proc.send({ type: 'stop' });
      const stopping = await second.proc.next('stopping', 5_000);
      const third = await electedAmong(
        procs.filter((w) => w !== first.proc && w !== second.proc),
        leaseTtl * 2 + 10_000,
      );
      row.afterStopMs = (third.at - stopping.at) / 1_000;
      await second.proc.next('stopped', 10_000).catch(() => {});
      ctx.log(
        `  failover ${variant}: after SIGKILL ${row.afterKillMs.toFixed(0)} ms, after stop ${row.afterStopMs.toFixed(1)} ms`,
      );
    } catch (err) {
      row.error = String(err);
      ctx.log(`  failover ${variant}: ${row.error}`);
    } finally {
      await Promise.all(procs.map((w) => w.stop()));
      await deleteMatching(ctx.admin, `*${name}*`).catch(() => {});
    }
    rows.push(row);
  }
  return rows;
}

/** The first 'elected' from any of `procs`. */
async function electedAmong(
  procs: WorkerProc[],
  timeoutMs: number,
): Promise<{ proc: WorkerProc; at: number }> {
  const race = new AbortController();
  try {
    return await Promise.any(
      procs.map((proc) => proc.next('elected', timeoutMs, race.signal).then((m) => ({ proc, at: m.at }))),
    );
  } finally {
    race.abort();
  }
}
