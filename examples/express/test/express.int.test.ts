import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { redisUrl, testPrefix } from '@internal/test-harness';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('the Express example', () => {
  it('runs the job one at a time, reports the leader, and hands leadership over on SIGTERM', async () => {
    const namespace = testPrefix('express').slice(0, -1);
    const child = spawn(process.execPath, [main], {
      env: { ...process.env, REDIS_URL: redisUrl(), PORT: '0', NAMESPACE: namespace },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    const port = await new Promise<number>((resolve) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        const m = /listening on (\d+)/.exec(line);
        if (m) resolve(Number(m[1]));
      });
    });
    const base = `http://127.0.0.1:${port}`;
    const [a, b] = await Promise.all([
      fetch(`${base}/jobs/rebuild-index`, { method: 'POST' }).then((r) => r.json()),
      fetch(`${base}/jobs/rebuild-index`, { method: 'POST' }).then((r) => r.json()),
    ]);
    expect(a.ran && b.ran).toBe(true);
    expect(a.fence).not.toBe(b.fence); // two holders, one after the other: two fences
    await expect.poll(async () => (await fetch(`${base}/leader`).then((r) => r.json())).isLeader).toBe(true);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines).toContain('no longer leading');
  }, 30_000);
});
