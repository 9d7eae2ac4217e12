import { LockClient, type Logger, type RedisConnection } from '@edirect/lock-core';
import { Redis } from 'ioredis';
import { nestLogger } from './nest-logger.js';
import { type ConnectionPlan, planModule } from './validate-options.js';
import { waitUntilReady } from './wait-until-ready.js';

/** What one LockModule instance runs on, and whether it must quit the connection at shutdown. */
export interface LockRuntime {
  client: LockClient;
  connection: RedisConnection;
  ownsConnection: boolean;
  shutdownTimeout: number;
  logger: Logger;
}

/**
 * Bootstrap: validate the options, build the client, and (for a connection the module makes) wait until
 * Redis is ready. Fails fast with an error that names the option or the unreachable address.
 */
export async function createLockRuntime(options: unknown): Promise<LockRuntime> {
  const plan = planModule(options);
  const logger = plan.client.logger ?? nestLogger();
  const connection = connect(plan.connection);
  const ownsConnection = plan.connection.kind !== 'given';
  let client: LockClient;
  try {
    client = new LockClient({ ...plan.client, logger, redis: connection });
  } catch (err) {
    if (ownsConnection) (connection as Redis).disconnect();
    throw prefixed(err);
  }
  if (plan.connection.kind !== 'given') {
    const redis = connection as Redis;
    await waitUntilReady(redis, plan.readyTimeout, plan.connection.where);
    logErrors(redis, logger, plan.connection.where);
  }
  return { client, connection, ownsConnection, shutdownTimeout: plan.shutdownTimeout, logger };
}

/**
 * Shutdown: the client lets running work finish (up to `shutdownTimeout`), releases its locks and the
 * owner lease and stops its timers; then the module's own connection is quit. A connection the app passed
 * in is left open.
 *
 * Releasing needs Redis. If it does not answer within another `shutdownTimeout` (down, or a partition),
 * the module stops waiting: its own connection is cut, which fails the pending releases at once (those
 * leases then expire by their ttl in Redis), so a pod never hangs in its termination grace period.
 */
export async function closeLockRuntime(runtime: LockRuntime): Promise<void> {
  const { client, ownsConnection, shutdownTimeout, logger } = runtime;
  const closing = client.close().catch((err) => report(logger, 'error', 'closing the client', err));
  if (await settlesWithin(closing, 2 * shutdownTimeout)) {
    if (ownsConnection) await quit(runtime.connection as Redis);
    return;
  }
  report(
    logger,
    'warn',
    `Redis did not answer within ${shutdownTimeout} ms at shutdown; ` +
      'locks and the owner lease this pod held will expire by their ttl',
  );
  if (ownsConnection) {
    (runtime.connection as Redis).disconnect();
    await settlesWithin(closing, shutdownTimeout);
  }
}

async function quit(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  // QUIT says goodbye politely; but while Redis is away it would queue behind a reconnect, so cut instead.
  if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
  else redis.disconnect();
  // QUIT's reply comes before the socket closes: wait for the close, so shutdown leaves nothing open.
  if (!(await settlesWithin(ended, 1_000))) redis.disconnect();
}

/** True if `promise` settled within `ms`; the timer never outlives the wait. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function connect(plan: ConnectionPlan): RedisConnection {
  switch (plan.kind) {
    case 'given':
      return plan.connection;
    case 'url':
      return new Redis(plan.url, { lazyConnect: true });
    case 'options':
      return new Redis({ ...plan.options, lazyConnect: true });
  }
}

/** After bootstrap, ioredis reconnects by itself; its errors go to the log, not to ioredis's console warning. */
function logErrors(redis: Redis, logger: Logger, where: string): void {
  redis.on('error', (err: Error) =>
    report(logger, 'error', `Redis connection to ${where}: ${err.message}`, err),
  );
}

function report(logger: Logger, level: 'error' | 'warn', message: string, err?: unknown): void {
  try {
    (level === 'warn' && logger.warn ? logger.warn : logger.error).call(
      logger,
      `[@edirect/lock] ${message}`,
      err,
    );
  } catch {
    // A logger that throws must not turn a connection error or a shutdown into a crash.
  }
}

/** The core names options as `options.ttl`; say which module they were given to. */
function prefixed(err: unknown): unknown {
  if (err instanceof TypeError) return new TypeError(`LockModule ${err.message}`, { cause: err });
  if (err instanceof RangeError) return new RangeError(`LockModule ${err.message}`, { cause: err });
  return err;
}
