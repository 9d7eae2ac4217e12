import {
  InjectLockClient,
  LOCK_CLIENT,
  LOCK_MODULE_OPTIONS,
  LockClient,
  LockModule,
  type LockModuleOptions,
  type LockOptionsFactory,
  LockService,
} from '@edirect/lock';
import { redisUrl, useRedis } from '@internal/test-harness';
import { type INestApplicationContext, Inject, Injectable, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule, ConfigService as NestConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { envFromUrl } from './fixtures/redis-env.js';

const { redis, prefix } = useRedis('nest-register');
const url = () => redisUrl();
const hostPort = () => {
  const u = new URL(url());
  return { host: u.hostname, port: Number(u.port) };
};

const open: INestApplicationContext[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

async function boot(imports: unknown[], providers: unknown[] = []) {
  const app = await Test.createTestingModule({
    imports: imports as never[],
    providers: providers as never[],
  }).compile();
  open.push(app);
  return app;
}

/** A working module: the owner lease and a lock round trip, so each registration style is proved live. */
async function expectWorking(app: INestApplicationContext, lockOwner?: string) {
  const lock = app.get(LockService);
  if (lockOwner) expect(lock.client.namespace).toBe(lockOwner);
  expect(await lock.isLockOwner()).toBe(true);
  expect(await lock.withLock('k', (lease) => lease.key)).toBe('k');
}

let n = 0;
const ns = () => `ns-${++n}`;

describe('LockModule.register', () => {
  it('takes { lockOwner, redis: { host, port }, keyPrefix } and the core options', async () => {
    const lockOwner = ns();
    const app = await boot([
      LockModule.register({ lockOwner, redis: hostPort(), keyPrefix: prefix, ttl: 5_000, ownerTtl: 2_000 }),
    ]);
    await expectWorking(app, lockOwner);
    const lease = await app.get(LockService).acquire('ttl-default');
    expect(lease.ttl).toBe(5_000);
    await lease.release();
  });

  it('takes a redis:// URL string', async () => {
    const app = await boot([LockModule.register({ lockOwner: ns(), redis: url(), keyPrefix: prefix })]);
    await expectWorking(app);
  });

  it('takes an existing ioredis connection', async () => {
    const app = await boot([LockModule.register({ lockOwner: ns(), connection: redis, keyPrefix: prefix })]);
    await expectWorking(app);
  });

  it('defaults lockOwner to "default" as the original did', async () => {
    const app = await boot([LockModule.register({ redis: url(), keyPrefix: prefix })]);
    expect(app.get(LockService).client.namespace).toBe('default');
  });

  it('exposes the client by token and through @InjectLockClient(), and the options by LOCK_MODULE_OPTIONS', async () => {
    @Injectable()
    class UsesClient {
      constructor(
        @InjectLockClient() readonly client: LockClient,
        @Inject(LOCK_CLIENT) readonly sameClient: LockClient,
      ) {}
    }
    const options = { lockOwner: ns(), redis: url(), keyPrefix: prefix };
    @Module({ imports: [LockModule.register(options)], providers: [UsesClient] })
    class AppModule {}
    const app = await boot([AppModule]);
    const service = app.get(LockService);
    const user = app.get(UsesClient);
    expect(user.client).toBeInstanceOf(LockClient);
    expect(user.client).toBe(service.client);
    expect(user.sameClient).toBe(service.client);
    expect(app.get(LOCK_MODULE_OPTIONS, { strict: false })).toEqual(options);
  });
});

describe('LockModule.registerAsync', () => {
  it('works with @nestjs/config as the config module', async () => {
    const lockOwner = ns();
    const app = await boot([
      LockModule.registerAsync({
        imports: [
          NestConfigModule.forRoot({
            ignoreEnvFile: true,
            load: [() => ({ ...envFromUrl(url()), NAMESPACE: lockOwner })],
          }),
        ],
        useFactory: (config: NestConfigService) => ({
          lockOwner: config.get('NAMESPACE') ?? 'default',
          redis: {
            host: config.get('REDIS_HOST') ?? 'localhost',
            port: Number(config.get('REDIS_PORT') ?? 6379),
            password: config.get('REDIS_PASS'),
          },
          keyPrefix: prefix,
        }),
        inject: [NestConfigService],
      }),
    ]);
    await expectWorking(app, lockOwner);
  });

  it('useFactory may be async', async () => {
    const app = await boot([
      LockModule.registerAsync({
        useFactory: async () => ({ redis: url(), keyPrefix: prefix, lockOwner: ns() }),
      }),
    ]);
    await expectWorking(app);
  });

  it('useClass: a LockOptionsFactory the module instantiates', async () => {
    const lockOwner = ns();
    @Injectable()
    class LockConfig implements LockOptionsFactory {
      createLockOptions(): LockModuleOptions {
        return { lockOwner, redis: url(), keyPrefix: prefix };
      }
    }
    const app = await boot([LockModule.registerAsync({ useClass: LockConfig })]);
    await expectWorking(app, lockOwner);
  });

  it('useExisting: a LockOptionsFactory provided by an imported module', async () => {
    const lockOwner = ns();
    @Injectable()
    class SharedConfig implements LockOptionsFactory {
      created = 0;
      async createLockOptions(): Promise<LockModuleOptions> {
        this.created++;
        return { lockOwner, redis: url(), keyPrefix: prefix };
      }
    }
    @Module({ providers: [SharedConfig], exports: [SharedConfig] })
    class SharedConfigModule {}
    @Module({
      imports: [
        SharedConfigModule,
        LockModule.registerAsync({ imports: [SharedConfigModule], useExisting: SharedConfig }),
      ],
    })
    class AppModule {}
    const app = await boot([AppModule]);
    await expectWorking(app, lockOwner);
    // The existing instance was used, not a copy.
    expect(app.get(SharedConfig).created).toBe(1);
  });
});

describe('isGlobal', () => {
  @Injectable()
  class FeatureService {
    constructor(@Inject(LockService) readonly lock: LockService) {}
  }
  @Module({ providers: [FeatureService], exports: [FeatureService] })
  class FeatureModule {}

  it('register({ isGlobal: true }): a module that does not import LockModule injects LockService', async () => {
    const app = await boot([
      LockModule.register({ isGlobal: true, lockOwner: ns(), redis: url(), keyPrefix: prefix }),
      FeatureModule,
    ]);
    expect(app.get(FeatureService).lock).toBe(app.get(LockService));
    // isGlobal is the module's, not an option passed to the client.
    expect(app.get(LOCK_MODULE_OPTIONS, { strict: false })).not.toHaveProperty('isGlobal');
  });

  it('registerAsync({ isGlobal: true }) too', async () => {
    const app = await boot([
      LockModule.registerAsync({ isGlobal: true, useFactory: () => ({ redis: url(), keyPrefix: prefix }) }),
      FeatureModule,
    ]);
    expect(app.get(FeatureService).lock).toBe(app.get(LockService));
  });

  it('without isGlobal the module is scoped: the same FeatureModule cannot resolve LockService', async () => {
    // `connection`: a failed compile runs no shutdown hook, so the module must not have made a connection.
    await expect(
      Test.createTestingModule({
        imports: [LockModule.register({ connection: redis, keyPrefix: prefix }), FeatureModule],
      }).compile(),
    ).rejects.toThrow(/can't resolve dependencies of the FeatureService/);
  });
});
