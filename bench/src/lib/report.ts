import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContendedRow } from '../scenarios/contended.js';
import type { FailoverRow } from '../scenarios/failover.js';
import type { HandoffFloor } from '../scenarios/floor.js';
import type { ManyKeysRow } from '../scenarios/many-keys.js';
import type { QuorumResult } from '../scenarios/quorum.js';
import type { UncontendedResult } from '../scenarios/uncontended.js';
import { contendedTable, f, int, order, table } from './report-format.js';
import { renderQuorum } from './report-quorum.js';
import type { TargetCheck } from './targets.js';

export interface Meta {
  mode: 'full' | 'quick';
  date: string;
  node: string;
  os: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  redis: { version: string; source: string };
  versions: Record<string, string>;
  ttlMs: number;
  durationS: number;
  params: unknown;
}

export interface Report {
  meta: Meta;
  uncontended?: UncontendedResult;
  floor?: HandoffFloor;
  contended?: ContendedRow[];
  manyKeys?: ManyKeysRow[];
  failover?: FailoverRow[];
  quorum?: QuorumResult;
  targets?: TargetCheck[];
}

export function renderMarkdown(r: Report): string {
  const m = r.meta;
  const out: string[] = [];
  out.push(`# @edirect/lock benchmark (${m.mode} run, ${m.date})`);
  out.push('');
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB; ${m.os}; Node ${m.node}; Redis ${m.redis.version} ` +
      `(${m.redis.source}). Versions: ${Object.entries(m.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}. Every lock is taken with ttl ${m.ttlMs} ms. Whole run: ${f(m.durationS, 0)} s.`,
  );
  out.push('');
  out.push(
    'Rerun: `pnpm bench` (full, ~8 min; writes bench/results/latest.md and latest.json) or ' +
      '`pnpm bench --quick` (seconds; writes results/quick.*.tmp); one scenario alone: `--only e` ' +
      '(with `--out <dir>` to keep latest.* as they are). Libraries run interleaved: each ' +
      'round or cell starts with the next library, so machine drift hits all alike; on a shared machine ' +
      'the spread between runs is still ±20% or so, so compare within one run.',
  );

  if (r.uncontended) {
    const u = r.uncontended;
    out.push('', '## (a) Uncontended: acquire + release on one connection, one key');
    out.push('');
    out.push(`PING p50 in the same run: **${f(u.pingP50Ms, 3)} ms**.`);
    out.push('');
    out.push(
      table(
        [
          'library',
          'variant',
          'pairs/s',
          'p50 ms',
          'p99 ms',
          'vs raw floor (median of rounds)',
          'round trips/pair',
          'cmds/pair (w/o EVALSHA)',
        ],
        [...u.rows]
          .sort((a, b) => order(a) - order(b))
          .map((x) => [
            x.lib,
            x.variant,
            int(x.pairsPerSec),
            f(x.p50Ms, 3),
            f(x.p99Ms, 3),
            `${f(x.vsFloor)}x`,
            f(x.roundTripsPerPair),
            `${f(x.commandsPerPair)} (${f(x.commandsPerPairWithoutEval)})`,
          ]),
      ),
    );
  }

  if (r.contended && r.contended.length > 0) {
    out.push('', '## (b) Contended: K worker processes, one key');
    out.push('');
    out.push(
      'Each worker: acquire, `INCRBY inside 1` (must return 1), hold, `DECRBY inside 1`, release; again until ' +
        'the run ends. **handoff**: a release to the next acquisition by a *different* worker (CLOCK_MONOTONIC ' +
        'stamps, comparable across processes). **self**: share of consecutive sections where the releaser won ' +
        'again. **cmds/CS**: INFO commandstats calls per critical section, commands inside scripts included ' +
        '(in brackets: without the EVALSHA itself); the check INCRBY/DECRBY are not counted. **RT/CS**: ' +
        'commands sent by the lock connections per section. **violations**: INCRBY saw another worker inside / ' +
        'sections overlapping in time. **wait max** also counts give-ups and waits cut off by the end of the run.',
    );
    if (r.floor) {
      const fl = r.floor;
      out.push(
        '',
        `Handoff floor on this machine, same run: PING p50 ${f(fl.pingHotP50Ms, 3)} ms back to back, ` +
          `${f(fl.pingIdleP50Ms, 3)} ms from a connection idle for 2 ms; a PUBLISH reaches another, idle ` +
          `process in p50 **${f(fl.wakeP50Ms, 3)} ms** (p99 ${f(fl.wakeP99Ms, 2)}). Any handoff to a waiter ` +
          'that sleeps (every fair lock) pays that wake-up; a releaser that re-acquires does not. The *fair ring* ' +
          'row is no lock at all: the workers pass one token round a ring by PUBLISH, each waiting for it on its ' +
          'own channel, with the same check commands and hold; no lock that hands over to another, sleeping ' +
          'process through Redis can beat it.',
      );
    }
    const cells = new Map<string, ContendedRow[]>();
    for (const row of r.contended) {
      const k = `${row.workers}|${row.holdMs}`;
      cells.set(k, [...(cells.get(k) ?? []), row]);
    }
    for (const rows of cells.values()) {
      const first = rows[0] as ContendedRow;
      out.push('', `### K = ${first.workers}, hold ${first.holdMs} ms, ${first.durationS} s each`, '');
      out.push(contendedTable(rows));
    }
    const notes = r.contended.filter((x) => x.errors.length > 0 || x.lostReleases > 0);
    if (notes.length > 0) {
      out.push('', 'Errors and lost releases seen:', '');
      for (const x of notes) {
        out.push(
          `- ${x.id} K=${x.workers} hold ${x.holdMs}: ${x.lostReleases} lost releases; ${x.errors.slice(0, 3).join('; ')}`,
        );
      }
    }
  }

  if (r.manyKeys && r.manyKeys.length > 0) {
    const first = r.manyKeys[0] as ManyKeysRow;
    out.push('', `## (c) ${first.tasks} concurrent tasks over ${first.keys} keys, one process, hold 0`, '');
    out.push(
      table(
        [
          'library',
          'variant',
          'ops/s',
          'p50 ms',
          'p99 ms',
          'max ms',
          'RT/op',
          'cmds/op',
          'give-ups',
          'violations',
        ],
        [...r.manyKeys]
          .sort((a, b) => order(a) - order(b))
          .map((x) => [
            x.lib,
            x.variant,
            int(x.opsPerSec),
            f(x.p50Ms, 3),
            f(x.p99Ms, 2),
            f(x.maxMs, 0),
            f(x.roundTripsPerOp),
            f(x.commandsPerOp),
            String(x.giveUps),
            String(x.violations),
          ]),
      ),
    );
  }

  if (r.failover && r.failover.length > 0) {
    out.push('', '## (d) Leader failover: lock-core `elect()`, 3 candidate processes', '');
    out.push(
      'redlock, @sesamecare-oss/redlock and redis-semaphore have no leader election, so there is nothing of ' +
        'theirs to compare.',
      '',
    );
    out.push(
      table(
        ['variant', 'settings', 'after SIGKILL of the leader', 'after clean stop()'],
        r.failover.map((x) => [
          x.variant,
          x.settings,
          x.error ? `error: ${x.error}` : `${f(x.afterKillMs, 0)} ms`,
          x.error ? '–' : `${f(x.afterStopMs, 1)} ms`,
        ]),
      ),
    );
  }

  if (r.quorum) out.push(...renderQuorum(r.quorum));

  if (r.targets && r.targets.length > 0) {
    out.push('', "## Issue 4's targets for lock-core (contended: hold 1 ms; budgets set at K = 32)", '');
    out.push(
      table(
        ['variant', 'K', 'target', 'value', 'limit', 'met'],
        r.targets.map((t) => [
          t.variant,
          t.workers === 1 ? '–' : String(t.workers),
          t.target,
          t.value,
          t.limit,
          t.met ? 'yes' : '**no**',
        ]),
      ),
    );
  }

  const seen = new Set<string>();
  const settings: string[] = [];
  for (const row of [...(r.contended ?? []), ...(r.uncontended?.rows ?? [])]) {
    if (seen.has(row.id)) continue;
    seen.add(row.id);
    settings.push(`- **${row.id}**: ${row.settings}`);
  }
  // (e) lists its own settings; a run of (e) alone has no others.
  if (settings.length > 0) out.push('', '## Settings', '', ...settings);
  out.push('');
  return out.join('\n');
}

/** Writes `<base>.md` and `<base>.json` (or the names given) into `dir`. */
export function writeReport(dir: string, names: { md: string; json: string }, report: Report): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, names.md), renderMarkdown(report));
  writeFileSync(
    join(dir, names.json),
    `${toJson(JSON.parse(JSON.stringify(report, jsonNumbers)), '', '')}\n`,
  );
}

const WIDTH = 110;

/**
 * JSON laid out the way Biome formats it (the repo's formatter, which also checks results/): objects one
 * key per line, arrays of plain values on one line when that fits in the line width.
 */
function toJson(value: unknown, indent: string, prefix: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) {
      const line = `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
      // The prefix (`"key": `) and a trailing comma share the line.
      if (indent.length + prefix.length + line.length + 1 <= WIDTH) return line;
    }
    return `[\n${value.map((v) => inner + toJson(v, inner, '')).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([k, v]) => {
    const key = `${JSON.stringify(k)}: `;
    return `${inner}${key}${toJson(v, inner, key)}`;
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

/** NaN and Infinity are not JSON: write them as null. Fractions keep 4 decimals (µs of a ms). */
function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value !== 'number') return value;
  if (!Number.isFinite(value)) return null;
  return Number.isInteger(value) ? value : Math.round(value * 1e4) / 1e4;
}
