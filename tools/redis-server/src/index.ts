export { type ProvisionedRedis, provisionRedis } from './provision.js';
export { freePort, pingOnce, type RedisServer, type StartOptions, startRedisServer } from './server.js';
