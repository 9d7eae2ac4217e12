import { testPrefix } from '@internal/test-harness';
import { clusterBackend } from './contract/cluster-backend.js';
import { contractSuite } from './contract/index.js';

// The whole LockClient contract on a real Redis Cluster (3 masters, 1 replica each), started once for
// this file. With pubsub 'auto' the clients publish with SPUBLISH and subscribe per shard.
contractSuite('Redis Cluster (3 masters, sharded pub/sub)', clusterBackend(testPrefix('cluster')));
