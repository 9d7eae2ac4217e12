// An Express service on @edirect/lock-core. Env: REDIS_URL (or REDIS_HOST/REDIS_PORT/REDIS_PASS),
// NAMESPACE, PORT. Stops cleanly on SIGTERM/SIGINT: resigns leadership so another replica leads at once.
import { createLockClientFromEnv } from '@edirect/lock-core';
import { createApp } from './app.js';

const { client, redis } = createLockClientFromEnv(process.env, {
  namespace: process.env.NAMESPACE ?? 'express-demo',
});
client.on('error', (err) => console.error('[lock]', err));

// The scheduler runs on the leader only.
const election = client.elect({
  onElected: (term) => {
    console.log(`leading (term ${term.fence}): starting the scheduler`);
    const tick = setInterval(() => {
      if (election.isLeader) console.log('scheduler tick');
    }, 5_000);
    term.signal.addEventListener('abort', () => clearInterval(tick), { once: true });
  },
  onRevoked: () => console.log('no longer leading'),
});

const server = createApp(client, () => election.isLeader).listen(Number(process.env.PORT ?? 3000), () => {
  const address = server.address();
  console.log(`listening on ${typeof address === 'object' ? address?.port : address}`);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    server.close();
    await client.close();
    await redis.quit();
  });
}
