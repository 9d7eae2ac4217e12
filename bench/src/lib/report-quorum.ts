import type { ContendedRow } from '../scenarios/contended-run.js';
import type { QuorumResult } from '../scenarios/quorum.js';
import { contendedTable, f, int, order, table } from './report-format.js';

/** Section (e) of the Markdown report. */
export function renderQuorum(q: QuorumResult): string[] {
  const out: string[] = [];
  out.push('', `## (e) Redlock quorum over N = ${q.nodes} independent Redis servers`, '');
  out.push(
    `The scenario starts ${q.nodes} redis-servers (${q.redisVersion}) on free loopback ports and stops them ` +
      `by pid afterwards. Every library gets the same ${q.nodes} ioredis connections (one per server): ` +
      "lock-core's `RedlockClient`, redlock's and @sesamecare-oss/redlock's `Redlock`. All of them wait by " +
      'polling (no queue, no notification across nodes). **cmds**: INFO commandstats calls summed over the ' +
      `${q.nodes} servers (in brackets: without the EVALSHA/EVAL themselves). **RT**: commands sent over the ` +
      `${q.nodes} connections; each quorum step goes to every node at once, so ${q.nodes} commands cost about ` +
      'one round-trip time. The contended part is (b) on the quorum: each worker process opens its own ' +
      `${q.nodes} lock connections; the INCRBY/DECRBY check counter stays on the bench's main Redis.`,
  );
  out.push(
    '',
    'Reading the contended rows: every library here waits by polling, so the releaser often wins again ' +
      '(low Jain with long pauses, as in the defaults; fair but more commands with short ones). redlock 5 ' +
      'and its fork retry *inside* `acquire()` without giving back what a failed attempt won (their script ' +
      'refuses any existing key, their own included): a contender that got one node of three keeps it while ' +
      'it retries, and three contenders on three different nodes block everyone until the ttl. Their ' +
      'defaults (10 retries ~200 ms apart) hold such partial grants for up to ~3 s, then give up; with ' +
      "(b)'s tuning (unbounded retries) the quorum livelocked (0–8 CS/s, workers stuck in `acquire()` for " +
      '30 s), so their tuned variant here retries once and gives up, releasing everything, and the worker ' +
      'calls `acquire()` again at once: its **give-ups** are those short windows ending, not failures. ' +
      "lock-core's `RedlockClient` releases on every node after each failed attempt.",
  );
  out.push('', '### Uncontended: acquire + release on one key, one process', '');
  out.push(
    table(
      ['library', 'variant', 'pairs/s', 'p50 ms', 'p99 ms', 'RT/pair', 'cmds/pair (w/o EVALSHA)'],
      [...q.uncontended]
        .sort((a, b) => order(a) - order(b))
        .map((x) => [
          x.lib === 'PING' ? `PING ×${q.nodes} (parallel)` : x.lib,
          x.variant,
          int(x.pairsPerSec),
          f(x.p50Ms, 3),
          f(x.p99Ms, 3),
          f(x.roundTripsPerPair),
          `${f(x.commandsPerPair)} (${f(x.commandsPerPairWithoutEval)})`,
        ]),
    ),
  );
  const cells = new Map<string, ContendedRow[]>();
  for (const row of q.contended) {
    const k = `${row.workers}|${row.holdMs}`;
    cells.set(k, [...(cells.get(k) ?? []), row]);
  }
  for (const rows of cells.values()) {
    const first = rows[0] as ContendedRow;
    out.push(
      '',
      `### Contended: K = ${first.workers} worker processes, one key, hold ${first.holdMs} ms, ${first.durationS} s each`,
      '',
    );
    out.push(contendedTable(rows));
  }
  const notes = q.contended.filter((x) => x.errors.length > 0 || x.lostReleases > 0);
  const unErrors = q.uncontended.filter((x) => x.errors.length > 0);
  if (notes.length > 0 || unErrors.length > 0) {
    out.push('', 'Errors and lost releases seen:', '');
    for (const x of unErrors) out.push(`- ${x.id} uncontended: ${x.errors.slice(0, 3).join('; ')}`);
    for (const x of notes) {
      out.push(
        `- ${x.id} K=${x.workers} hold ${x.holdMs}: ${x.lostReleases} lost releases; ${x.errors.slice(0, 3).join('; ')}`,
      );
    }
  }
  out.push('', 'Settings:', '');
  for (const x of [...q.uncontended].sort((a, b) => order(a) - order(b))) {
    if (x.lib !== 'PING') out.push(`- **${x.id}**: ${x.settings}`);
  }
  return out;
}
