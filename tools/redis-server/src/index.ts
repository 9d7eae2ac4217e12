export {
  type ClusterNodeInfo,
  type ClusterOptions,
  type RedisCluster,
  startRedisCluster,
} from './cluster.js';
export {
  type ChaosOptions,
  type FaultProxy,
  type FaultProxyOptions,
  type FaultProxyStats,
  startFaultProxy,
} from './fault-proxy.js';
export { randomSeed, seededRandom } from './prng.js';
export { type ProvisionedRedis, provisionRedis } from './provision.js';
export type { BlackholeOptions, ProxiedConnection } from './proxied-connection.js';
export { infoFields, type Resp, redisCommand, waitFor } from './resp.js';
export { type SentinelSet, type SentinelSetOptions, startSentinelSet } from './sentinel.js';
export { freePort, pingOnce, type RedisServer, type StartOptions, startRedisServer } from './server.js';
export { type ClientPauseMode, clientPause, clientUnpause, debugSleep } from './server-faults.js';
export { commandStats, countingRoundTrips, perOperation, resetCommandStats } from './stats.js';
