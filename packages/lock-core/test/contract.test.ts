import { InMemoryRedis } from '@edirect/lock-core/testing';
import { contractSuite } from './contract/index.js';

// The contract on the fake: every pod gets its own connection to one in-memory server.
contractSuite('InMemoryRedis', () => {
  const server = new InMemoryRedis();
  return {
    prefix: 'contract:',
    connect: () => server.duplicate(),
    inspect: server,
    close: async () => {},
    timeScale: 0.4,
  };
});
