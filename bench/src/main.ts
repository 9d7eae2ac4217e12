/**
 * `pnpm bench`: @edirect/lock-core against redlock, @sesamecare-oss/redlock, redis-semaphore and a raw
 * floor on one Redis (REDIS_URL, else a redis-server of its own), libraries interleaved; then (e) the
 * Redlock quorum mode over 3 redis-servers the scenario starts itself.
 *   --quick          seconds-long smoke of every scenario (CI); writes results/quick.{md,json}.tmp
 *   --out <dir>      where to write the results (default: bench/results)
 *   --only a,b,c,d,e run only these scenarios
 *   --libs a,b       only the adapters whose id contains one of these (e.g. lock-core, redlock/tuned)
 *   --workers 8,32   --holds 0,1   --duration 5000   override the contended grids of (b) and (e)
 *   --render <json>  run nothing: re-check the targets of a results JSON and rewrite its .md and .json
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { provisionRedis } from '@internal/redis-server';
import { Redis } from 'ioredis';
import { nowUs } from './lib/clock.js';
import { FULL, type Params, QUICK } from './lib/config.js';
import type { BenchContext } from './lib/context.js';
import { WorkerPool } from './lib/pool.js';
import { deleteMatching, redisVersion } from './lib/redis.js';
import { type Report, writeReport } from './lib/report.js';
import { checkTargets } from './lib/targets.js';
import { contended } from './scenarios/contended.js';
import { failover } from './scenarios/failover.js';
import { manyKeys } from './scenarios/many-keys.js';
import { quorum } from './scenarios/quorum.js';
import { uncontended } from './scenarios/uncontended.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

function version(path: string): string {
  try {
    return (
      JSON.parse(readFileSync(new URL(path, new URL('..', import.meta.url)), 'utf8')) as { version: string }
    ).version;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    // `pnpm bench -- --quick` hands the `--` on: drop it so the flags after it still count.
    args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--')),
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      only: { type: 'string', default: 'a,b,c,d,e' },
      libs: { type: 'string' },
      workers: { type: 'string' },
      holds: { type: 'string' },
      duration: { type: 'string' },
      render: { type: 'string' },
    },
  });
  if (values.render) return render(values.render);
  const list = (v: string | undefined): number[] | undefined => v?.split(',').map(Number);
  const base = values.quick ? QUICK : FULL;
  const params: Params = {
    ...base,
    libs: values.libs?.split(',') ?? base.libs,
    contended: {
      ...base.contended,
      workers: list(values.workers) ?? base.contended.workers,
      holdsMs: list(values.holds) ?? base.contended.holdsMs,
      durationMs: values.duration ? Number(values.duration) : base.contended.durationMs,
    },
    quorum: {
      ...base.quorum,
      workers: list(values.workers) ?? base.quorum.workers,
      holdsMs: list(values.holds) ?? base.quorum.holdsMs,
      durationMs: values.duration ? Number(values.duration) : base.quorum.durationMs,
    },
  };
  const only = new Set((values.only ?? '').split(',').map((s) => s.trim()));
  const outDir = values.out ?? `${PACKAGE_DIR}results`;
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };

  const started = nowUs();
  const server = await provisionRedis();
  const admin = new Redis(server.url, { maxRetriesPerRequest: 20 });
  const tag = `bench-${randomBytes(4).toString('hex')}`;
  const ctx: BenchContext = { params, redisUrl: server.url, admin, tag, log };
  log(`[bench] ${params.mode} run on Redis ${server.url} (${server.source}), keys tagged ${tag}`);

  const report: Report = {
    meta: {
      mode: params.mode,
      date: new Date().toISOString(),
      node: process.version,
      os: `${type()} ${release()}`,
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      redis: { version: await redisVersion(admin), source: server.source },
      versions: {
        '@edirect/lock-core': version('../packages/lock-core/package.json'),
        redlock: version('node_modules/redlock/package.json').replace(/^v/, ''),
        '@sesamecare-oss/redlock': version('node_modules/@sesamecare-oss/redlock/package.json'),
        'redis-semaphore': version('node_modules/redis-semaphore/package.json'),
        ioredis: version('node_modules/ioredis/package.json'),
      },
      ttlMs: params.ttl,
      durationS: 0,
      params,
    },
  };

  const pool = new WorkerPool();
  // Ctrl-C or a kill mid-run: stop our workers and our redis-server (by pid) before going.
  const interrupted = (signal: NodeJS.Signals): void => {
    log(`[bench] ${signal}: stopping workers and Redis`);
    void Promise.allSettled([pool.close(), server.stop()]).then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    if (only.has('a')) {
      log('[bench] (a) uncontended');
      report.uncontended = await uncontended(ctx);
    }
    if (only.has('b')) {
      log('[bench] (b) contended, worker processes');
      const result = await contended(ctx, pool);
      report.floor = result.floor;
      report.contended = result.rows;
      await pool.close();
    }
    if (only.has('c')) {
      log('[bench] (c) many keys');
      report.manyKeys = await manyKeys(ctx);
    }
    if (only.has('d')) {
      log('[bench] (d) leader failover');
      report.failover = await failover(ctx);
    }
    if (only.has('e')) {
      log(`[bench] (e) Redlock quorum over ${params.quorum.nodes} redis-servers, worker processes`);
      report.quorum = await quorum(ctx, pool);
    }
    if (report.contended) report.targets = checkTargets(report.contended, report.uncontended, report.floor);
  } finally {
    await pool.close();
    await deleteMatching(admin, `*${tag}*`).catch(() => {});
    await admin.quit().catch(() => admin.disconnect());
    await server.stop();
  }
  report.meta.durationS = (nowUs() - started) / 1e6;

  const names =
    params.mode === 'full'
      ? { md: 'latest.md', json: 'latest.json' }
      : { md: 'quick.md.tmp', json: 'quick.json.tmp' };
  writeReport(outDir, names, report);
  log(`[bench] wrote ${outDir}/${names.md} and ${names.json} in ${report.meta.durationS.toFixed(0)} s`);

  const violations = [
    ...(report.contended ?? []),
    ...(report.manyKeys ?? []),
    ...(report.quorum?.contended ?? []),
  ].reduce((n, r) => n + r.violations + ('overlaps' in r ? r.overlaps : 0), 0);
  if (violations > 0) {
    log(`[bench] MUTUAL-EXCLUSION VIOLATIONS: ${violations}`);
    return 1;
  }
  return 0;
}

/** Re-renders a results JSON with this version's report and target checks. */
function render(path: string): number {
  const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
  if (report.contended) report.targets = checkTargets(report.contended, report.uncontended, report.floor);
  const base = basename(path).replace(/\.json(\.tmp)?$/, '');
  const tmp = path.endsWith('.tmp') ? '.tmp' : '';
  writeReport(dirname(path), { md: `${base}.md${tmp}`, json: `${base}.json${tmp}` }, report);
  process.stderr.write(`[bench] rewrote ${dirname(path)}/${base}.md${tmp}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[bench] failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(2);
  },
);
