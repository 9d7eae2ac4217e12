import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { redisUrl } from '@internal/test-harness';
import { beforeAll, describe, expect, it } from 'vitest';

const BENCH = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(BENCH, 'dist', 'main.js');
const run = promisify(execFile);
/** Ours: this library, and the fair ring (the harness's own ceiling row), must make progress. */
const isOurs = (id: string) =>
  id.startsWith('lock-core/') || id.startsWith('quorum:lock-core/') || id.startsWith('fair-ring/');

/** Zero violations and overlaps from every library; progress and no hung worker from ours. */
function expectSafe(rows: Row[]): void {
  for (const row of rows) {
    expect({ id: row.id, violations: row.violations, overlaps: row.overlaps }).toEqual({
      id: row.id,
      violations: 0,
      overlaps: 0,
    });
    // Only this library must make progress in a sub-second cell on a loaded CI machine: a peer that
    // starves or hangs there is the peer's behaviour (the full run reports it), not a broken harness.
    if (isOurs(row.id)) {
      expect(row.hung, row.id).toBeUndefined();
      expect(row.criticalSections, row.id).toBeGreaterThan(0);
    }
  }
}

interface Row {
  id: string;
  violations: number;
  overlaps?: number;
  hung?: string;
  criticalSections?: number;
  ops?: number;
}

/**
 * CI runs only this seconds-long smoke of the harness (the full benchmark is `pnpm bench`, not a test):
 * every scenario, every library, against the test Redis, and not one mutual-exclusion violation.
 */
describe('pnpm bench --quick', () => {
  beforeAll(() => {
    // `pnpm test` builds first; a bare `vitest run` may not have.
    if (!existsSync(MAIN))
      execFileSync(join(BENCH, '..', 'node_modules', '.bin', 'tsup'), [], { cwd: BENCH });
  });

  it('runs every scenario and library and reports zero violations', async () => {
    const out = mkdtempSync(join(tmpdir(), 'edirect-bench-smoke-'));
    try {
      await run(process.execPath, [MAIN, '--quick', '--out', out], {
        env: { ...process.env, REDIS_URL: redisUrl() },
        timeout: 120_000, // ~17 s alone; CI runs it beside the other integration files
      });
      const md = readFileSync(join(out, 'quick.md.tmp'), 'utf8');
      const report = JSON.parse(readFileSync(join(out, 'quick.json.tmp'), 'utf8')) as {
        uncontended: { rows: Row[] };
        contended: Row[];
        manyKeys: Row[];
        failover: Array<{ afterKillMs: number | null; afterStopMs: number | null; error?: string }>;
        quorum: { nodes: number; uncontended: Row[]; contended: Row[] };
      };
      expect(md).toMatch(/\| library \| variant \| CS\/s \|/);
      expect(report.uncontended.rows.map((r) => r.id)).toContain('raw/default');
      // 4 libraries x 2 variants, and the fair-ring ceiling.
      expect(report.contended).toHaveLength(9);
      expect(report.contended.map((r) => r.id)).toContain('fair-ring/default');
      expectSafe(report.contended);
      for (const row of report.manyKeys) {
        expect(row.violations).toBe(0);
        expect(row.ops).toBeGreaterThan(0);
      }
      // (e): 3 redis-servers of its own, 3 libraries x 2 variants, uncontended (+ PING) and K = 8 contended.
      expect(md).toMatch(/## \(e\) Redlock quorum over N = 3/);
      expect(report.quorum.nodes).toBe(3);
      expect(report.quorum.uncontended).toHaveLength(7);
      expect(report.quorum.contended).toHaveLength(6);
      expectSafe(report.quorum.contended);
      for (const row of report.failover) {
        expect(row.error).toBeUndefined();
        expect(row.afterKillMs).toBeGreaterThan(0);
        expect(row.afterStopMs).toBeGreaterThan(0);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 150_000);
});
