import type { ContendedRow } from '../scenarios/contended-run.js';

/** Number formats and tables shared by the report's sections. */
export const f = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : '–');
export const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
export const pct = (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : '–');

export function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

const LIB_ORDER = ['PING', 'raw', 'lock-core', 'redlock', 'sesame-redlock', 'redis-semaphore', 'fair-ring'];
export function order(x: { lib: string; variant: string }): number {
  return LIB_ORDER.indexOf(x.lib) * 2 + (x.variant === 'tuned' ? 1 : 0);
}

/** One contended cell: the table of (b), also used by (e). */
export function contendedTable(rows: readonly ContendedRow[]): string {
  return table(
    [
      'library',
      'variant',
      'CS/s',
      'handoff p50 / p99 ms',
      'wait p50 / p99 / max ms',
      'Jain',
      'min/max (min–max)',
      'self',
      'cmds/CS',
      'RT/CS',
      'give-ups',
      'violations',
    ],
    [...rows]
      .sort((a, b) => order(a) - order(b))
      .map((x) => [
        x.lib === 'fair-ring' ? '*fair ring*' : x.lib,
        x.lib === 'fair-ring' ? '*no lock: ceiling*' : x.variant,
        int(x.csPerSec),
        `${f(x.handoffMs.p50, 3)} / ${f(x.handoffMs.p99, 2)}`,
        `${f(x.waitMs.p50, 1)} / ${f(x.waitMs.p99, 0)} / ${f(x.waitMs.max, 0)}`,
        f(x.jain, 3),
        `${f(x.minMax)} (${x.minAcquisitions}–${x.maxAcquisitions})`,
        pct(x.selfReacquire),
        `${f(x.commandsPerCs, 1)} (${f(x.commandsPerCsWithoutEval, 1)})`,
        f(x.roundTripsPerCs, 1),
        String(x.giveUps),
        `${x.violations} / ${x.overlaps}${x.hung ? ` **HUNG**: ${x.hung}` : ''}`,
      ]),
  );
}
