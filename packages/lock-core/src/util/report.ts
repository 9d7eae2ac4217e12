/** Where background failures go when nobody listens for `'error'`. */
export interface Logger {
  error(message: string, err?: unknown): void;
  warn?(message: string, err?: unknown): void;
}

/** The emitter side of a client: `'error'` goes to listeners when there are any. */
interface ErrorEmitter {
  listenerCount(event: 'error'): number;
  emit(event: 'error', err: unknown): boolean;
}

/**
 * A background failure (a renewal, a release, a reconnect): emitted as `'error'` when someone listens,
 * otherwise logged. Never thrown: it runs from timers and message handlers, where a throw would crash.
 */
export function reportBackground(emitter: ErrorEmitter, logger: Logger, err: unknown, context: string): void {
  if (emitter.listenerCount('error') > 0) {
    emitter.emit('error', err);
    return;
  }
  try {
    logger.error(`[@edirect/lock-core] ${context}: ${(err as Error)?.message ?? String(err)}`, err);
  } catch {
    // A logger that throws must not turn a background failure into a crash.
  }
}
