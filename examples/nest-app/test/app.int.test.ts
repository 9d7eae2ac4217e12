import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ownerKeys } from '@edirect/lock-core/testing';
import { ownRedisServer } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('the Nest example app (the original README’s setup)', () => {
  it('boots from REDIS_HOST/REDIS_PORT/NAMESPACE, runs its jobs, and releases ownership on SIGTERM', async () => {
    // Its own server: the original setup has no key prefix, so it must not share a database.
    const server = await ownRedisServer();
    const child = spawn(process.execPath, [main], {
      env: { ...process.env, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(server.port), NAMESPACE: 'orders' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    await new Promise<void>((resolve) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        if (lines.includes('ready') && lines.some((l) => l.startsWith('synced policies'))) resolve();
      });
    });
    expect(lines).toContain('processed the scheduled job (1)');
    expect(lines).toContain('settled INV-1');
    expect(lines).toContain('feature-flag:new-flow = true');
    const redis = new Redis(server.url);
    expect(await redis.get(ownerKeys('', 'orders').lock)).not.toBeNull();
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    child.kill('SIGTERM');
    expect(['SIGTERM', 0]).toContain(await exited); // Nest re-raises the signal after closing
    expect(await redis.get(ownerKeys('', 'orders').lock)).toBeNull(); // ownership released on shutdown
    redis.disconnect();
  }, 30_000);
});
