export type { RedlockClientOptions } from './options.js';
export { type QuorumAcquireOptions, RedlockClient } from './redlock-client.js';
