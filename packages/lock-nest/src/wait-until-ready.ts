import type { Redis } from 'ioredis';

/**
 * Connects a connection made with `lazyConnect` and resolves once it is ready (authenticated, database
 * selected). ioredis keeps retrying in the background, so a Redis that comes up within `timeout` ms is
 * fine; an authentication or database error is final and fails at once. On failure the connection is
 * disconnected, so no reconnect timer outlives the failed bootstrap.
 */
export function waitUntilReady(redis: Redis, timeout: number, where: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let lastError: Error | undefined;
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      redis.off('end', onEnd);
      if (!err) {
        resolve();
        return;
      }
      // A late socket error of the abandoned connection must not become an unhandled 'error' event.
      redis.on('error', () => {});
      redis.disconnect();
      reject(err);
    };
    const onReady = (): void => finish();
    const onError = (err: Error): void => {
      lastError = err;
      // A reply error (WRONGPASS, NOAUTH, "DB index is out of range") will not heal by retrying.
      if (err.name === 'ReplyError') {
        finish(
          new Error(
            `LockModule could not use Redis at ${where}: ${err.message} (check options.redis password, username, db)`,
            { cause: err },
          ),
        );
      }
    };
    const onEnd = (): void =>
      finish(
        new Error(`LockModule could not connect to Redis at ${where}: ${reason(lastError)}`, {
          cause: lastError,
        }),
      );
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `LockModule could not connect to Redis at ${where} within ${timeout} ms: ${reason(lastError)} ` +
              '(is Redis running and reachable? options.readyTimeout sets how long bootstrap waits)',
            { cause: lastError },
          ),
        ),
      timeout,
    );
    redis.on('ready', onReady);
    redis.on('error', onError);
    redis.once('end', onEnd);
    // Failures arrive as 'error' events as well; the promise only says the first attempt failed.
    redis.connect().catch(() => {});
  });
}

function reason(err: Error | undefined): string {
  return err ? err.message : 'no answer';
}
