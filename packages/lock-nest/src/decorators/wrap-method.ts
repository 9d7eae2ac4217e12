import type { LockService } from '../lock.service.js';
import { injectLockService, lockServiceOf } from './lock-service-property.js';

type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Runs the decorated method through `around`, after finding the instance's LockService. The wrapper
 * keeps the method's name and the metadata other decorators put on it (`@Cron`, `@Interval`, guards), in
 * whichever order the decorators are written.
 */
export function wrapMethod(
  decorator: string,
  around: (
    service: LockService,
    call: () => Promise<unknown>,
    self: unknown,
    args: unknown[],
  ) => Promise<unknown>,
): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const label = `${typeof target === 'function' ? target.name : target.constructor.name}.${String(propertyKey)}`;
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') {
      throw new TypeError(`${decorator} must decorate a method, but ${label} is not one`);
    }
    if (typeof target === 'function') {
      throw new TypeError(
        `${decorator} needs an instance method (Nest injects its LockService), not static ${label}`,
      );
    }
    injectLockService(target);
    const method = original as AnyMethod;
    const wrapped = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
      const service = lockServiceOf(this);
      if (!service) {
        throw new Error(
          `${decorator} on ${label} has no LockService: create the class through Nest, as a provider or ` +
            'controller of a module that imports LockModule (or after LockModule.register({ isGlobal: true }))',
        );
      }
      // During shutdown the client is closed: the method is skipped, as on a pod that holds nothing.
      if (service.client.closed) return undefined;
      return around(service, async () => method.apply(this, args), this, args);
    };
    Object.defineProperty(wrapped, 'name', { value: method.name, configurable: true });
    copyMetadata(method, wrapped);
    descriptor.value = wrapped as typeof descriptor.value;
    return descriptor;
  };
}

/** Metadata set on the method by decorators applied before this one (written below it). */
function copyMetadata(from: object, to: object): void {
  for (const key of Reflect.getOwnMetadataKeys(from)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, from), to);
  }
}
