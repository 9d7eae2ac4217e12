/**
 * @edirect/lock-core/testing: an in-memory Redis for unit tests of code that uses LockClient.
 *
 *   const redis = new InMemoryRedis();             // one in-memory "server"
 *   const podA = new LockClient({ redis });
 *   const podB = new LockClient({ redis: redis.duplicate() });  // another pod on the same server
 */

/** The Redis keys of a lock (and of an owner lease), for tests that look at the server directly. */
export { type LockKeys, lockKeys, ownerKeys } from '../protocol/keys.js';
export { ReplyError } from './errors.js';
export { InMemoryRedis, type InMemoryRedisEvents } from './in-memory-redis.js';
