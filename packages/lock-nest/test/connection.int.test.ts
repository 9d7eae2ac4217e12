import { LockModule, LockService } from '@edirect/lock';
import { freePort, ownRedisServer, startRedisServer, testPrefix } from '@internal/test-harness';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

/**
 * The connection the module makes. Decision: bootstrap fails fast. The module connects at bootstrap and
 * waits up to `readyTimeout` (10 s by default) for Redis to be ready, retrying meanwhile; if it is not,
 * the app does not start and the error says where it tried and why. After bootstrap, outages are
 * ioredis's to reconnect and the core's to retry.
 */

const prefix = testPrefix('nest-conn');
const boot = (options: Parameters<typeof LockModule.register>[0]) =>
  Test.createTestingModule({ imports: [LockModule.register({ keyPrefix: prefix, ...options })] }).compile();

describe('bootstrap with a Redis that cannot be used', () => {
  it('nothing listening: fails after readyTimeout, naming the address and the cause', async () => {
    const port = await freePort();
    const started = performance.now();
    await expect(boot({ redis: { host: '127.0.0.1', port }, readyTimeout: 700 })).rejects.toThrow(
      `LockModule could not connect to Redis at 127.0.0.1:${port} within 700 ms: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(650);
    expect(took).toBeLessThan(10_000);
  });

  it('a URL: the message shows it without its password', async () => {
    const port = await freePort();
    const failed = boot({ redis: `redis://:hunter2@127.0.0.1:${port}`, readyTimeout: 300 });
    await expect(failed).rejects.toThrow(`could not connect to Redis at redis://:***@127.0.0.1:${port}`);
    await expect(failed).rejects.not.toThrow(/hunter2/);
  });

  it('a Redis that comes up within readyTimeout: bootstrap waits for it and succeeds', async () => {
    const port = await freePort();
    const booting = boot({ redis: { host: '127.0.0.1', port }, readyTimeout: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const server = await startRedisServer({ port });
    try {
      const app = await booting;
      expect(await app.get(LockService).isLockOwner()).toBe(true);
      await app.close();
    } finally {
      await server.stop();
    }
  });
});

describe('password, username, db', async () => {
  // Passwords are set once the server is up: the harness checks readiness with a PING without AUTH.
  const server = await ownRedisServer();
  const admin = new Redis({ port: server.port });
  await admin.acl('SETUSER', 'alice', 'on', '>alice-pw', '~*', '&*', '+@all');
  await admin.config('SET', 'requirepass', 'secret');
  admin.disconnect();
  const where = `127.0.0.1:${server.port}`;

  it('{ password, db } reach the right database', async () => {
    const app = await boot({ redis: { host: '127.0.0.1', port: server.port, password: 'secret', db: 3 } });
    await app.get(LockService).set('in-db-3', 'yes');
    await app.close();
    const check = new Redis({ port: server.port, password: 'secret', db: 3 });
    expect(await check.get(`${prefix}in-db-3`)).toBe('yes');
    check.disconnect();
  });

  it('{ username, password } log in as an ACL user', async () => {
    const app = await boot({
      redis: { host: '127.0.0.1', port: server.port, username: 'alice', password: 'alice-pw' },
    });
    expect(await app.get(LockService).isLockOwner()).toBe(true);
    await app.close();
  });

  it('a URL with password and db', async () => {
    const app = await boot({ redis: `redis://:secret@${where}/4` });
    await app.get(LockService).set('in-db-4', 'yes');
    await app.close();
    const check = new Redis({ port: server.port, password: 'secret', db: 4 });
    expect(await check.get(`${prefix}in-db-4`)).toBe('yes');
    check.disconnect();
  });

  it('a wrong password fails at once, long before readyTimeout, and says what to check', async () => {
    const started = performance.now();
    const failed = boot({
      redis: { host: '127.0.0.1', port: server.port, password: 'nope' },
      readyTimeout: 20_000,
    });
    await expect(failed).rejects.toThrow(`LockModule could not use Redis at ${where}: WRONGPASS`);
    await expect(failed).rejects.toThrow('check options.redis password, username, db');
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('no password where one is required fails at once (NOAUTH)', async () => {
    await expect(
      boot({ redis: { host: '127.0.0.1', port: server.port }, readyTimeout: 20_000 }),
    ).rejects.toThrow('NOAUTH');
  });
});

describe('after bootstrap', async () => {
  const server = await ownRedisServer();

  it('an outage is survived: errors go to the logger, and the module works again once Redis is back', async () => {
    const logged: string[] = [];
    const logger = { error: (message: string) => logged.push(message) };
    const app = await boot({ redis: server.url, lockOwner: 'outage', logger });
    const lock = app.get(LockService);
    expect(await lock.isLockOwner()).toBe(true);
    await server.kill();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.restart();
    // The restarted server kept nothing, so the owner lease is claimed afresh.
    await expect.poll(() => lock.isLockOwner(), { timeout: 15_000 }).toBe(true);
    expect(logged.some((m) => m.includes(`Redis connection to ${server.url}`))).toBe(true);
    await app.close();
  });

  it('shutdown while Redis is down ends after shutdownTimeout, and says the leases will expire', async () => {
    const warned: string[] = [];
    const logger = { error: () => {}, warn: (message: string) => warned.push(message) };
    const app = await boot({ redis: server.url, lockOwner: 'shutdown', shutdownTimeout: 1_000, logger });
    const lock = app.get(LockService);
    expect(await lock.isLockOwner()).toBe(true);
    await lock.acquire('held');
    await server.kill();
    const started = performance.now();
    await app.close();
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(6_000); // ioredis alone would wait ~10 s of reconnect attempts per release
    expect(warned).toEqual([expect.stringContaining('Redis did not answer within 1000 ms at shutdown')]);
    await server.restart();
  });
});
