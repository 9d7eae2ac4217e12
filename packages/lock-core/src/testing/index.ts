/**
 * @edirect/lock-core/testing: an in-memory Redis for unit tests of code that uses LockClient.
 *
 *   const redis = new InMemoryRedis();             // one in-memory "server"
 *   const podA = new LockClient({ redis });
 *   const podB = new LockClient({ redis: redis.duplicate() });  // another pod on the same server
 */

export { ReplyError } from './errors.js';
export { InMemoryRedis, type InMemoryRedisEvents } from './in-memory-redis.js';
