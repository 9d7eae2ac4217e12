import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { redisUrl } from '@internal/test-harness';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('the demo (the README’s first command)', () => {
  it('tells the whole story on a real Redis and exits 0 on its own', async () => {
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [main], { env: { ...process.env, REDIS_URL: redisUrl() } });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        out += d;
      });
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('exit', (c) => {
        clearTimeout(killer);
        resolve({ code: c, out });
      });
    });
    expect(code, out).toBe(0);
    expect(out.match(/▶ holds "nightly-report"/g)).toHaveLength(6);
    const fences = [...out.matchAll(/▶ holds "nightly-report" {3}fencing token (\d+)/g)].map((m) =>
      Number(m[1]),
    );
    expect(fences).toEqual([...fences].sort((a, b) => a - b));
    expect(out).toMatch(/failover after SIGKILL: +\d+ ms/);
    const clean = Number(/failover after clean shutdown: +([\d.]+) ms/.exec(out)?.[1]);
    expect(clean).toBeLessThan(250);
  }, 70_000);
});
