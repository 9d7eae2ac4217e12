import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ownRedisServer } from '@internal/test-harness';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('the plain Node example (the README’s plain-Node section)', () => {
  it('runs withLock, acquire with await using, an election and a clean shutdown, then exits 0', async () => {
    const server = await ownRedisServer(); // the README's code uses no key prefix: give it its own server
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [main], { env: { ...process.env, REDIS_URL: server.url } });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        out += d;
      });
      child.on('exit', (c) => resolve({ code: c, out }));
    });
    expect(code, out).toBe(0);
    expect(out).toContain('report: 3 rows, fence 1');
    expect(out).toContain('settled invoice 42');
    expect(out).toContain('leading: scheduler started');
    expect(out).toContain('scheduler stopped');
  }, 30_000);
});
