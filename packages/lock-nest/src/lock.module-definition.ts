import { ConfigurableModuleBuilder } from '@nestjs/common';
import { LOCK_MODULE_OPTIONS } from './lock.constants.js';
import type { LockModuleOptions } from './lock-module-options.js';

/**
 * `register(options)` and `registerAsync({ imports, useFactory, inject, useClass, useExisting })`, with
 * `isGlobal` as an extra that makes the module global and is not passed on as an option.
 */
export const {
  ConfigurableModuleClass: ConfigurableLockModule,
  OPTIONS_TYPE: LOCK_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: LOCK_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LockModuleOptions>({ optionsInjectionToken: LOCK_MODULE_OPTIONS })
  .setClassMethodName('register')
  .setFactoryMethodName('createLockOptions')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/** What `LockModule.register` takes: the options, and `isGlobal`. */
export type LockModuleRegisterOptions = typeof LOCK_OPTIONS_TYPE;
/** What `LockModule.registerAsync` takes. */
export type LockModuleAsyncOptions = typeof LOCK_ASYNC_OPTIONS_TYPE;
