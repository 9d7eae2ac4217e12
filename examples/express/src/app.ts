import { type LockClient, LockTimeoutError } from '@edirect/lock-core';
import express, { type Express } from 'express';

/**
 * The service: POST /jobs/rebuild-index runs the job on one instance at a time across every replica
 * (a second caller waits up to 2 s, then gets 409); GET /leader says which instance leads the
 * scheduler election, and whether it is this one.
 */
export function createApp(locks: LockClient, isLeader: () => boolean): Express {
  const app = express();

  app.post('/jobs/rebuild-index', async (_req, res) => {
    try {
      const result = await locks.withLock(
        'rebuild-index',
        async (lease) => {
          await new Promise((resolve) => setTimeout(resolve, 200)); // the work
          // Give the fence to anything you write, so a store can refuse a holder that lost the lock.
          return { ran: true, by: locks.instanceId, fence: lease.fence, lost: lease.signal.aborted };
        },
        { waitTimeout: 2_000, ttl: 10_000 },
      );
      res.json(result);
    } catch (err) {
      if (LockTimeoutError.isInstance(err)) res.status(409).json({ ran: false, reason: 'busy elsewhere' });
      else res.status(503).json({ ran: false, reason: (err as Error).message });
    }
  });

  app.get('/leader', async (_req, res) => {
    res.json({ leader: await locks.getLockOwner(), me: locks.instanceId, isLeader: isLeader() });
  });

  return app;
}
