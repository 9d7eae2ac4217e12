import { LockModule, LockService, LockTimeoutError, OwnerOnly, WithLock } from '@edirect/lock';
import { InMemoryRedis } from '@edirect/lock-core/testing';
import { tripwire } from '@internal/test-harness';
import { type INestApplicationContext, Injectable } from '@nestjs/common';
import { Cron, Interval, ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';

/** The decorators on the in-memory fake: their wiring and their behaviour, with no server. */

const open: INestApplicationContext[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

async function boot<T>(
  jobs: new (...args: never[]) => T,
  connection = new InMemoryRedis(),
  imports: unknown[] = [],
) {
  const app = await Test.createTestingModule({
    imports: [LockModule.register({ connection }), ...(imports as never[])],
    providers: [jobs],
  }).compile();
  await app.init();
  open.push(app);
  return { app, jobs: app.get(jobs) as T, lock: app.get(LockService), connection };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('decorator arguments are checked when the class is defined', () => {
  const define = (decorator: MethodDecorator) => () => {
    class Jobs {
      run() {}
    }
    const descriptor = Object.getOwnPropertyDescriptor(Jobs.prototype, 'run') as PropertyDescriptor;
    decorator(Jobs.prototype, 'run', descriptor);
  };
  it.each([
    ['an empty key', () => WithLock(''), '@WithLock() key must be a non-empty string or a function, got ""'],
    [
      'a key of the wrong type',
      () => WithLock(42 as never),
      'key must be a non-empty string or a function, got 42',
    ],
    [
      'an unknown option',
      () => WithLock('k', { tll: 5 } as never),
      '@WithLock() has an unknown option "tll"',
    ],
    [
      'a ttl that is not whole ms',
      () => WithLock('k', { ttl: 1.5 }),
      '@WithLock() options.ttl must be a whole number',
    ],
    [
      'wait that is not a boolean',
      () => WithLock('k', { wait: 'yes' as never }),
      'options.wait must be a boolean',
    ],
    [
      'waitTimeout without wait',
      () => WithLock('k', { waitTimeout: 10 }),
      'options.waitTimeout needs options.wait: true',
    ],
  ])('%s', (_name, make, message) => {
    expect(() => define(make())()).toThrow(message);
  });

  it('refuses a static method (Nest injects instances only)', () => {
    expect(() => {
      class Jobs {
        @OwnerOnly()
        static run() {}
        instance() {}
      }
      return Jobs;
    }).toThrow('@OwnerOnly() needs an instance method (Nest injects its LockService), not static Jobs.run');
  });

  it('refuses an accessor', () => {
    expect(() => {
      class Jobs {
        @WithLock('k')
        get value() {
          return 1;
        }
      }
      return Jobs;
    }).toThrow('@WithLock() must decorate a method, but Jobs.value is not one');
  });
});

describe('wiring', () => {
  it('keeps the method name and the metadata of @Cron / @Interval, in either order', async () => {
    @Injectable()
    class Jobs {
      @Cron('0 0 1 1 *', { name: 'owner-below-cron' })
      @OwnerOnly()
      a() {}

      @OwnerOnly()
      @Cron('0 0 1 1 *', { name: 'owner-above-cron' })
      b() {}

      @WithLock('c')
      @Cron('0 0 1 1 *', { name: 'lock-above-cron' })
      c() {}

      @Interval('lock-below-interval', 3_600_000)
      @WithLock('d')
      d() {}
    }
    expect(Jobs.prototype.a.name).toBe('a');
    expect(Jobs.prototype.d.name).toBe('d');
    const { app } = await boot(Jobs, new InMemoryRedis(), [ScheduleModule.forRoot()]);
    const registry = app.get(SchedulerRegistry);
    expect([...registry.getCronJobs().keys()].sort()).toEqual([
      'lock-above-cron',
      'owner-above-cron',
      'owner-below-cron',
    ]);
    expect(registry.getIntervals()).toEqual(['lock-below-interval']);
  });

  it('a class made outside Nest gets a clear error instead of running unguarded', async () => {
    class Jobs {
      @OwnerOnly()
      async run() {
        return 'ran';
      }
    }
    await expect(new Jobs().run()).rejects.toThrow(
      '@OwnerOnly() on Jobs.run has no LockService: create the class through Nest, as a provider or controller of a module that imports LockModule',
    );
  });

  it('a decorated method inherited from a base class works in the Nest-made subclass', async () => {
    class BaseJobs {
      @OwnerOnly()
      async run() {
        return 'ran';
      }
    }
    @Injectable()
    class Jobs extends BaseJobs {}
    const { jobs } = await boot(Jobs);
    expect(await jobs.run()).toBe('ran');
  });

  it('a Redis error while asking for ownership is not swallowed', async () => {
    @Injectable()
    class Jobs {
      @OwnerOnly()
      async run() {
        return 'ran';
      }
    }
    const { jobs } = await boot(Jobs, tripwire() as never);
    await expect(jobs.run()).rejects.toThrow(/tripwire: eval(sha)? reached Redis/);
  });
});

describe('@WithLock', () => {
  it('computes the key from the arguments, with `this` the instance, and returns the result', async () => {
    const seen: string[] = [];
    @Injectable()
    class Jobs {
      region = 'eu';
      @WithLock(function (this: Jobs, id: string) {
        return `invoice:${this.region}:${id}`;
      })
      async settle(id: string) {
        seen.push(id);
        return `settled ${id}`;
      }
    }
    const { jobs, lock } = await boot(Jobs);
    const held = await lock.acquire('invoice:eu:2');
    expect(await jobs.settle('1')).toBe('settled 1');
    expect(await jobs.settle('2')).toBeUndefined(); // held: skipped
    await held.release();
    expect(await jobs.settle('2')).toBe('settled 2');
    expect(seen).toEqual(['1', '2']);
  });

  it("releases the lock when the method throws, and lets the method's own errors through", async () => {
    @Injectable()
    class Jobs {
      @WithLock('fails')
      async fails(err: Error) {
        throw err;
      }
    }
    const { jobs, lock } = await boot(Jobs);
    await expect(jobs.fails(new Error('boom'))).rejects.toThrow('boom');
    // Even a LockTimeoutError raised inside the method is the method's, not a "skip".
    const own = new LockTimeoutError('inner', 5);
    await expect(jobs.fails(own)).rejects.toBe(own);
    const lease = await lock.tryAcquire('fails');
    expect(lease).not.toBeNull();
    await lease?.release();
  });

  it('{ wait: true } waits for the lock; waitTimeout bounds the wait with LockTimeoutError', async () => {
    @Injectable()
    class Jobs {
      @WithLock('shared', { wait: true })
      async patient() {
        return 'ran';
      }

      @WithLock('shared', { wait: true, waitTimeout: 100 })
      async hasty() {
        return 'ran';
      }
    }
    const { jobs, lock } = await boot(Jobs);
    const held = await lock.acquire('shared');
    let patient: unknown = 'pending';
    const waiting = jobs.patient().then((v) => {
      patient = v;
    });
    await expect(jobs.hasty()).rejects.toBeInstanceOf(LockTimeoutError);
    expect(patient).toBe('pending');
    await held.release();
    await waiting;
    expect(patient).toBe('ran');
  });

  it('keeps the lease alive while the method outlasts its ttl', async () => {
    @Injectable()
    class Jobs {
      @WithLock('long', { ttl: 400 })
      async long() {
        await sleep(1_300);
        return 'ran';
      }
    }
    const { jobs, connection } = await boot(Jobs);
    const { lock: other } = await boot(class Other {}, connection.duplicate());
    const running = jobs.long();
    await sleep(1_000); // 2.5 ttls: renewed in the meantime
    expect(await other.tryAcquire('long')).toBeNull();
    expect(await running).toBe('ran');
    expect(await other.tryAcquire('long')).not.toBeNull();
  });
});
