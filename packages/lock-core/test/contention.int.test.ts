import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { commandStats } from '@internal/redis-server';
import { deleteKeys, ownRedisServer, redisUrl, testPrefix } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

const contender = fileURLToPath(new URL('./fixtures/contender.mjs', import.meta.url));
const prefix = testPrefix('contention');
const control = `${prefix}control:`;
const redis = new Redis(redisUrl());
afterAll(async () => {
  await deleteKeys(redis, prefix);
  redis.disconnect();
});

function run(prefix: string, rounds: number, mode = 'lock', url = redisUrl()): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [contender, url, prefix, 'shared-counter', String(rounds), mode], {
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`contender exited ${code}: ${stderr}`)),
    );
  });
}

describe('mutual exclusion across OS processes', () => {
  it('4 processes × 250 critical sections: exact count, fences strictly increasing in run order', async () => {
    const processes = 4;
    const rounds = 250;
    const started = performance.now();
    await Promise.all(Array.from({ length: processes }, () => run(prefix, rounds)));
    const elapsed = performance.now() - started;
    expect(Number(await redis.get(`${prefix}counter`))).toBe(processes * rounds);
    const fences = (await redis.lrange(`${prefix}fences`, 0, -1)).map(Number);
    expect(fences).toHaveLength(processes * rounds);
    for (let i = 1; i < fences.length; i++) expect(fences[i]).toBeGreaterThan(fences[i - 1] as number);
    console.log(`contention: ${processes * rounds} sections in ${elapsed.toFixed(0)} ms`);
  }, 60_000);

  it('control: the same sections without the lock lose updates, so the test above can fail', async () => {
    await Promise.all(Array.from({ length: 4 }, () => run(control, 250, 'nolock')));
    expect(Number(await redis.get(`${control}counter`))).toBeLessThan(1_000);
  }, 60_000);

  it('costs 2 scripts per contended section: one enqueueing attempt and one release that hands over', async () => {
    const server = await ownRedisServer(); // its own, so INFO commandstats counts only this test
    await Promise.all(Array.from({ length: 4 }, () => run('cost:', 100, 'lock', server.url)));
    const stats = await commandStats([server.port]);
    const calls = (cmd: string) => stats[cmd] ?? 0;
    const sections = 400;
    // A few sections are uncontended (one try, one release); none may take a third script.
    expect(calls('evalsha') + calls('eval')).toBeGreaterThanOrEqual(sections * 2);
    expect(calls('evalsha') + calls('eval')).toBeLessThanOrEqual(sections * 2 + 8);
    expect(calls('pttl')).toBeLessThanOrEqual(sections + 8); // one failed attempt per contended section at most
    // Commands inside the scripts too: 14 per contended section (enqueue: GET TIME LRANGE RPUSH PTTL; release:
    // GET LPOP TIME GET SET PUBLISH SET; 2 EVALSHA), 10 per uncontended one (LLEN SET TIME GET SET; GET LPOP
    // DEL; 2 EVALSHA). The benchmark once caught a stray LLEN.
    const subscribing = new Set(['subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe']);
    const commands = Object.entries(stats).reduce((n, [cmd, c]) => (subscribing.has(cmd) ? n : n + c), 0);
    const sectionItself = 3; // the fixture's GET, SET and RPUSH
    expect(commands / sections - sectionItself).toBeLessThanOrEqual(14.2);
  }, 60_000);
});
