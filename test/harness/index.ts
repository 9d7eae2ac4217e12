/**
 * The test harness, imported as `@internal/test-harness`: the run's Redis and servers of a file's own,
 * the pods (LockClients) tests run, a tripwire connection, and the fault-injection tools.
 */
export * from './pods.js';
export * from './redis.js';
export * from './tripwire.js';
