import type { ContendedRow } from '../scenarios/contended.js';
import type { HandoffFloor } from '../scenarios/floor.js';
import type { UncontendedResult } from '../scenarios/uncontended.js';

/** One of issue 4's targets, checked for one lock-core variant in one contended cell. */
export interface TargetCheck {
  variant: string;
  workers: number;
  target: string;
  value: string;
  limit: string;
  met: boolean;
}

/**
 * Issue 4's targets, on the contended runs with hold 1 ms (the round-trip and command budgets are set at
 * K = 32; they are shown for every K), against the peers of the same run.
 */
export function checkTargets(
  rows: ContendedRow[],
  un: UncontendedResult | undefined,
  floor: HandoffFloor | undefined,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const ours = rows.filter((r) => r.lib === 'lock-core' && r.holdMs === 1);
  for (const r of ours) {
    const cell = rows.filter((p) => p.workers === r.workers && p.holdMs === 1);
    const peers = cell.filter((p) => p.lib !== 'lock-core' && p.lib !== 'fair-ring');
    const bestCs = Math.max(...peers.map((p) => p.csPerSec));
    const bestMaxWait = Math.min(...peers.map((p) => p.waitMs.max));
    // What a FIFO handoff through Redis can do at most here (no lock at all: see adapters/ring.ts).
    const ring = cell.find((p) => p.lib === 'fair-ring');
    const add = (target: string, value: string, limit: string, met: boolean): void => {
      checks.push({ variant: r.variant, workers: r.workers, target, value, limit, met });
    };
    add('Jain index', r.jain.toFixed(3), '>= 0.99', r.jain >= 0.99);
    add('min/max acquisitions', r.minMax.toFixed(2), '>= 0.8', r.minMax >= 0.8);
    add('give-ups', String(r.giveUps), '0', r.giveUps === 0);
    add(
      'mutual-exclusion violations',
      `${r.violations} / ${r.overlaps}`,
      '0 / 0',
      r.violations === 0 && r.overlaps === 0 && !r.hung,
    );
    add('round trips per CS', r.roundTripsPerCs.toFixed(3), '<= 3', r.roundTripsPerCs <= 3);
    add('Redis commands per CS (with EVALSHA)', r.commandsPerCs.toFixed(3), '<= 12', r.commandsPerCs <= 12);
    // The yardstick is the uncontended scenario's PING (back to back); the floor probe's is the
    // same measurement when (a) did not run.
    const ping = un?.pingP50Ms ?? floor?.pingHotP50Ms;
    if (ping !== undefined) {
      const limit = 3 * ping;
      const wake = [
        floor ? `pub/sub wake floor ${floor.wakeP50Ms.toFixed(3)}` : '',
        ring ? `fair ring ${ring.handoffMs.p50.toFixed(3)}` : '',
      ].filter(Boolean);
      const context = wake.length > 0 ? ` (${wake.join(', ')})` : '';
      add(
        'handoff p50 (ms)',
        r.handoffMs.p50.toFixed(3),
        `<= 3 x PING p50 = ${limit.toFixed(3)}${context}`,
        r.handoffMs.p50 <= limit,
      );
    }
    add(
      'longest wait (ms)',
      r.waitMs.max.toFixed(1),
      `<= best peer ${bestMaxWait.toFixed(1)}`,
      r.waitMs.max <= bestMaxWait,
    );
    const ceiling = ring ? ` (fair ring ${ring.csPerSec.toFixed(0)})` : '';
    add('CS/s', r.csPerSec.toFixed(0), `>= best peer ${bestCs.toFixed(0)}${ceiling}`, r.csPerSec >= bestCs);
  }
  if (un) {
    const floor = un.rows.find((r) => r.lib === 'raw');
    for (const r of un.rows.filter((x) => x.lib === 'lock-core')) {
      checks.push({
        variant: r.variant,
        workers: 1,
        target: 'uncontended pairs/s vs raw floor',
        value: `${r.vsFloor.toFixed(2)}x (${r.pairsPerSec.toFixed(0)} vs ${floor?.pairsPerSec.toFixed(0)})`,
        limit: '>= 0.9x',
        met: r.vsFloor >= 0.9,
      });
    }
  }
  return checks;
}
