export { LockClient, type LockClientEvents } from './client.js';
export type { RedisConnection, SubscriberConnection } from './connection.js';
export * from './errors/index.js';
export { createLockClientFromEnv } from './from-env.js';
export type { LockClientOptions, Logger, PubSubMode } from './options.js';
export type { ElectOptions, LeaderElection, Term } from './owner/election.js';
export { type QuorumAcquireOptions, RedlockClient, type RedlockClientOptions } from './quorum/index.js';
export type { AcquireOptions } from './timed/acquire-options.js';
export type { Lease } from './timed/lease.js';
