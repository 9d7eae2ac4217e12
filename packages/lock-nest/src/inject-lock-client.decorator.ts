import { Inject } from '@nestjs/common';
import { LOCK_CLIENT } from './lock.constants.js';

/** Injects the module's `LockClient` (`@InjectLockClient() private readonly client: LockClient`). */
export function InjectLockClient(): PropertyDecorator & ParameterDecorator {
  return Inject(LOCK_CLIENT);
}
