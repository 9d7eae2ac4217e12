import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LockClosedError } from '@edirect/lock-core';
import { podFactory, redisUrl, sleep } from '@internal/test-harness';
import { describe, expect, it } from 'vitest';

const { pod, prefix } = podFactory({ label: 'close' });

describe('close()', () => {
  it('releases held leases so another pod gets them at once, rejects waiters, refuses later calls', async () => {
    const { client: a, redis: aRedis } = pod();
    const { client: b } = pod();
    const held = await a.acquire('held');
    const blocked = await b.acquire('other');
    const aWaiting = a.acquire('other').catch((err: unknown) => err);
    const bWaiting = b.acquire('held').then(() => performance.now());
    await sleep(100);
    const closedAt = performance.now();
    await a.close();
    expect((await bWaiting) - closedAt).toBeLessThan(250);
    expect(await aWaiting).toBeInstanceOf(LockClosedError);
    expect(held.isHeld()).toBe(false);
    await expect(a.acquire('x')).rejects.toBeInstanceOf(LockClosedError);
    await expect(a.get('x')).rejects.toBeInstanceOf(LockClosedError);
    expect(() => a.lock('x', () => {})).toThrow(LockClosedError);
    expect(aRedis.status).toBe('ready'); // the connection it was given stays open
    await a.close(); // idempotent
    await blocked.release();
  });

  it('a process that used every feature exits on its own after close()', async () => {
    const script = fileURLToPath(new URL('./fixtures/exits.mjs', import.meta.url));
    const started = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [script, redisUrl(), prefix], { stdio: 'inherit' });
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.on('exit', (c) => {
        clearTimeout(killer);
        resolve(c);
      });
    });
    expect(code).toBe(0);
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 20_000);
});

describe('close() during an acquisition in flight', () => {
  it('rejects the acquire with LockClosedError and leaves nothing held', async () => {
    const { client: a } = pod();
    const { client: b } = pod();
    const pending = a.acquire('in-flight').catch((err: unknown) => err);
    await a.close(); // in the same tick: the first attempt is on the wire
    expect(await pending).toBeInstanceOf(LockClosedError);
    const lease = await b.tryAcquire('in-flight');
    expect(lease).not.toBeNull();
    await lease?.release();
  });
});
