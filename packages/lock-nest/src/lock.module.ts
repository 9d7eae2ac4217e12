import {
  type DynamicModule,
  Inject,
  Module,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { LOCK_CLIENT, LOCK_MODULE_OPTIONS, LOCK_RUNTIME } from './lock.constants.js';
import {
  ConfigurableLockModule,
  type LockModuleAsyncOptions,
  type LockModuleRegisterOptions,
} from './lock.module-definition.js';
import { LockService } from './lock.service.js';
import { closeLockRuntime, createLockRuntime, type LockRuntime } from './lock-runtime.js';
import { typeofValue } from './validate-options.js';

// Every injection names its token: the published build carries no decorator metadata.
const runtimeProvider: Provider = {
  provide: LOCK_RUNTIME,
  useFactory: (options: unknown) => createLockRuntime(options),
  inject: [LOCK_MODULE_OPTIONS],
};

const clientProvider: Provider = {
  provide: LOCK_CLIENT,
  useFactory: (runtime: LockRuntime) => runtime.client,
  inject: [LOCK_RUNTIME],
};

/**
 * Distributed locks for a Nest app. `LockModule.register(options)` or `registerAsync(...)`; inject
 * `LockService` (or the raw client with `@InjectLockClient()`).
 *
 * Bootstrap validates the options and, for a connection the module makes, waits until Redis is ready:
 * a bad option or an unreachable Redis fails the app's start with an error that says which.
 * On application shutdown the client releases its locks and the owner lease (another pod takes over at
 * once), stops its timers, and the module quits its own connection; a `connection` you passed stays open.
 */
@Module({
  providers: [runtimeProvider, clientProvider, LockService],
  exports: [LockService, LOCK_CLIENT],
})
export class LockModule extends ConfigurableLockModule implements OnApplicationShutdown {
  constructor(@Inject(LOCK_RUNTIME) private readonly runtime: LockRuntime) {
    super();
  }

  /** Options for the module's client; checked in full at bootstrap. */
  static override register(options: LockModuleRegisterOptions): DynamicModule {
    // The builder would spread a string into { 0: 'r', 1: 'e', … }: refuse it before that.
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new TypeError(`LockModule options must be an object, got ${typeofValue(options)}`);
    }
    // biome-ignore lint/complexity/noThisInStatic: super keeps `this` = LockModule, which the builder puts in `module`.
    return super.register(options);
  }

  /** Options from `useFactory` (with `imports`, `inject`), `useClass` or `useExisting`. */
  static override registerAsync(options: LockModuleAsyncOptions): DynamicModule {
    const o = options as Partial<LockModuleAsyncOptions> | null;
    if (typeof o !== 'object' || o === null || !(o.useFactory || o.useClass || o.useExisting)) {
      throw new TypeError('LockModule.registerAsync needs useFactory, useClass or useExisting');
    }
    // biome-ignore lint/complexity/noThisInStatic: as in register.
    return super.registerAsync(options);
  }

  async onApplicationShutdown(): Promise<void> {
    await closeLockRuntime(this.runtime);
  }
}
