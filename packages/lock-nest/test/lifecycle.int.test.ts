import { LockClient, LockClosedError, LockModule, LockService, OwnerOnly, WithLock } from '@edirect/lock';
import { redisUrl, useRedis } from '@internal/test-harness';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_RUNTIME } from '../src/lock.constants.js';
import type { LockRuntime } from '../src/lock-runtime.js';

/**
 * app.close() (what SIGTERM triggers under enableShutdownHooks; see built-package.int.test.ts for the
 * signal itself): held locks and the owner lease are released so another pod takes over at once, timers
 * stop, the module's own connection is quit, and a connection the app passed in stays open.
 */

const { redis, prefix } = useRedis('nest-lifecycle');
/** Another pod, outside Nest, that sees what the closing app left behind. */
const witness = (namespace: string) =>
  new LockClient({ redis, keyPrefix: prefix, namespace, instanceId: 'witness' });
afterAll(() => Promise.all(witnesses.map((w) => w.close())));
const witnesses: LockClient[] = [];
function witnessFor(namespace: string): LockClient {
  const w = witness(namespace);
  witnesses.push(w);
  return w;
}

let n = 0;
const ns = () => `ns-${++n}`;

/** Holds a lock, the owner lease and an election's campaign, as a busy pod would at shutdown. */
async function busy(lock: LockService, namespace: string) {
  expect(await lock.isLockOwner()).toBe(true);
  const lease = await lock.acquire('held');
  const tried = await lock.tryAcquire('tried', { ttl: 60_000 });
  expect(tried).not.toBeNull();
  const election = lock.elect({ name: `${namespace}-elected` });
  await expect.poll(() => election.isLeader).toBe(true);
  let waiterFailed: unknown;
  lock.client.on('error', (err) => {
    waiterFailed = err;
  });
  lock.lock('held', () => {}); // queued behind `lease`: must end quietly at close, not run
  return { lease, election, waiterFailed: () => waiterFailed };
}

async function expectAllReleased(namespace: string) {
  const other = witnessFor(namespace);
  expect(await other.getLockOwner()).toBeNull();
  expect(await other.isLockOwner()).toBe(true);
  for (const key of ['held', 'tried']) {
    const lease = await other.tryAcquire(key);
    expect(lease, key).not.toBeNull();
    await lease?.release();
  }
  // The election campaigned for the owner lease of its own name: free as well.
  expect(await witnessFor(`${namespace}-elected`).isLockOwner()).toBe(true);
}

describe('application shutdown', () => {
  it('with a connection the module made: releases everything, stops the client, quits the connection', async () => {
    const namespace = ns();
    const app = await NestFactory.createApplicationContext(
      LockModule.register({ lockOwner: namespace, redis: redisUrl(), keyPrefix: prefix }),
      { logger: false, abortOnError: false },
    );
    const lock = app.get(LockService);
    const runtime = app.get<LockRuntime>(LOCK_RUNTIME);
    expect(runtime.ownsConnection).toBe(true);
    const state = await busy(lock, namespace);

    await app.close();

    expect((runtime.connection as Redis).status).toBe('end');
    expect(lock.client.closed).toBe(true);
    expect(state.lease.isHeld()).toBe(false);
    expect(state.election.isLeader).toBe(false);
    await expect(lock.isLockOwner()).rejects.toBeInstanceOf(LockClosedError);
    expect(state.waiterFailed()).toBeUndefined();
    await expectAllReleased(namespace);
  });

  it('with a connection the app passed in: releases everything and leaves the connection open', async () => {
    const namespace = ns();
    const connection = new Redis(redisUrl());
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [LockModule.register({ lockOwner: namespace, connection, keyPrefix: prefix })],
      }).compile();
      const lock = moduleRef.get(LockService);
      expect(moduleRef.get<LockRuntime>(LOCK_RUNTIME).ownsConnection).toBe(false);
      await busy(lock, namespace);

      await moduleRef.close();

      expect(connection.status).toBe('ready');
      expect(await connection.ping()).toBe('PONG');
      expect(lock.client.closed).toBe(true);
      await expectAllReleased(namespace);
    } finally {
      connection.disconnect();
    }
  });

  it('a @WithLock or @OwnerOnly method still running at app.close() keeps its lock until it returns', async () => {
    const namespace = ns();
    const gates: Array<() => void> = [];
    const gate = () => new Promise<void>((resolve) => gates.push(resolve));
    @Injectable()
    class Jobs {
      @OwnerOnly()
      async ownerJob() {
        await gate();
        return 'owner job done';
      }

      @WithLock('report')
      async report() {
        await gate();
        return 'report done';
      }
    }
    @Module({
      imports: [LockModule.register({ lockOwner: namespace, redis: redisUrl(), keyPrefix: prefix })],
      providers: [Jobs],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    const jobs = app.get(Jobs);
    const running = [jobs.ownerJob(), jobs.report()];
    await expect.poll(() => gates.length).toBe(2);
    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Shutdown has begun, and the methods still run: no other pod may start the same work.
    const other = witnessFor(namespace);
    expect(await other.isLockOwner()).toBe(false);
    expect(await other.tryAcquire('report')).toBeNull();
    for (const open of gates) open();
    expect(await Promise.all(running)).toEqual(['owner job done', 'report done']);
    await closing;
    expect(await other.isLockOwner()).toBe(true);
    const lease = await other.tryAcquire('report');
    expect(lease).not.toBeNull();
    await lease?.release();
  });

  it('decorated methods are skipped once the client is closed (a cron tick racing the shutdown)', async () => {
    let ran = 0;
    @Injectable()
    class Jobs {
      @OwnerOnly()
      async ownerJob() {
        ran++;
        return 'ran';
      }

      @WithLock('job')
      async lockedJob() {
        ran++;
        return 'ran';
      }

      @WithLock('waited', { wait: true })
      async waitingJob() {
        ran++;
        return 'ran';
      }
    }
    @Module({
      imports: [LockModule.register({ lockOwner: ns(), redis: redisUrl(), keyPrefix: prefix })],
      providers: [Jobs],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    const jobs = app.get(Jobs);
    expect(await jobs.ownerJob()).toBe('ran');
    expect(await jobs.lockedJob()).toBe('ran');
    // A call waiting for a lock when the app closes ends quietly, without running.
    await app.get(LockService).acquire('waited');
    const waiting = jobs.waitingJob();
    await app.close();
    expect(await waiting).toBeUndefined();
    expect(await jobs.ownerJob()).toBeUndefined();
    expect(await jobs.lockedJob()).toBeUndefined();
    expect(ran).toBe(2);
  });
});
