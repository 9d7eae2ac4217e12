import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LockClient } from '@edirect/lock';
import { freePort, redisUrl, useRedis } from '@internal/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The published build, in real Node processes: a CommonJS app and an ESM script import `@edirect/lock`
 * from dist (ESM + CJS, with the core and Nest as the app's own packages), and a pod with
 * enableShutdownHooks() is sent SIGTERM. Builds lock-core and lock-nest first if dist is missing.
 */

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const packages = { core: here('../../lock-core'), nest: here('..') };

function ensureBuilt(): void {
  for (const dir of [packages.core, packages.nest]) {
    if (existsSync(`${dir}/dist/index.js`) && existsSync(`${dir}/dist/index.cjs`)) continue;
    execFileSync('npx', ['tsup'], { cwd: dir, stdio: 'inherit', timeout: 180_000 });
  }
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a fixture with node; the promise settles when the process exits (killed after `timeout`). */
function run(
  script: string,
  args: string[],
  timeout = 20_000,
): Promise<Run> & { child: ReturnType<typeof spawn> } {
  const started = performance.now();
  const child = spawn(process.execPath, [here(`./fixtures/built/${script}`), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), timeout);
  const done = new Promise<Run>((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  }) as Promise<Run> & { child: typeof child };
  done.child = child;
  return done;
}

const firstLine = async (child: ReturnType<typeof spawn>): Promise<string> =>
  new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const end = buffered.indexOf('\n');
      if (end >= 0) resolve(buffered.slice(0, end));
    });
    child.on('exit', () => reject(new Error(`exited before printing a line; stdout: ${buffered}`)));
  });

const { redis, prefix } = useRedis('nest-built');
const witnesses: LockClient[] = [];
afterAll(() => Promise.all(witnesses.map((w) => w.close())));

beforeAll(ensureBuilt, 240_000);

describe('the built package in Node processes', () => {
  it('a CommonJS Nest app requires it, runs LockModule.register on a real Redis, closes, and exits by itself', async () => {
    const result = await run('cjs-app.cjs', [redisUrl(), prefix]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out).toEqual({
      resolved: expect.stringMatching(/lock-nest\/dist\/index\.cjs$/),
      owner: true,
      locked: 'k',
    });
  });

  it('an ESM script imports it, runs LockModule.register on a real Redis, closes, and exits by itself', async () => {
    const result = await run('esm-app.mjs', [redisUrl(), prefix]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out).toEqual({
      resolved: expect.stringMatching(/lock-nest\/dist\/index\.js$/),
      owner: true,
      locked: 'k',
    });
  });

  it('SIGTERM with enableShutdownHooks(): the owner lease and the lock are released, another pod takes over', async () => {
    const namespace = 'sigterm';
    const pod = run('sigterm-app.cjs', [redisUrl(), prefix, namespace]);
    const ready = JSON.parse(await firstLine(pod.child));
    expect(ready.owner).toBe(true);
    const other = new LockClient({ redis, keyPrefix: prefix, namespace, instanceId: 'other-pod' });
    witnesses.push(other);
    expect(await other.getLockOwner()).toBe(ready.instanceId);
    expect(await other.tryAcquire('held')).toBeNull();

    pod.child.kill('SIGTERM');
    const result = await pod;
    // Nest closes the app, then re-raises the signal so the process ends as a SIGTERM would end it.
    expect(result.signal).toBe('SIGTERM');
    expect(result.stderr).toBe('');

    // Released, not left to expire (the owner ttl is 15 s, the lock's 30 s): taken at once.
    expect(await other.getLockOwner()).toBeNull();
    expect(await other.isLockOwner()).toBe(true);
    expect(await other.tryAcquire('held')).not.toBeNull();
  });

  it('an unreachable Redis fails the bootstrap with the module message, and the process still exits by itself', async () => {
    const port = await freePort();
    const result = await run('unreachable-app.cjs', [String(port)]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      started: false,
      message: expect.stringContaining(
        `LockModule could not connect to Redis at 127.0.0.1:${port} within 300 ms`,
      ),
    });
  });
});
