import { Inject } from '@nestjs/common';
import { LockService } from '../lock.service.js';

/**
 * The decorators reach the app's LockService through a property Nest injects into the decorated class.
 * Property injection is per instance, so two Nest apps in one process (two pods in a test) each use their
 * own; the token is the class itself, so no decorator metadata is needed.
 */
const LOCK_SERVICE = Symbol('@edirect/lock:LockService');

const injected = new WeakSet<object>();

/** Asks Nest to set `instance[LOCK_SERVICE]` on every instance of the class that owns `prototype`. */
export function injectLockService(prototype: object): void {
  if (injected.has(prototype)) return;
  injected.add(prototype);
  Inject(LockService)(prototype, LOCK_SERVICE);
}

export function lockServiceOf(instance: unknown): LockService | undefined {
  return (instance as { [LOCK_SERVICE]?: LockService } | null | undefined)?.[LOCK_SERVICE];
}
