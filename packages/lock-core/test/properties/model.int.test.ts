import { describe, it } from 'vitest';
import { profile } from './commands.js';
import { settings } from './config.js';
import { RedisBackend } from './redis-backend.js';
import { formatStats, runModel } from './runner.js';

/**
 * The same model on a real Redis in real time (ttls of 60–250 ms, so leases expire and renew): fewer
 * runs, each pod on its own ioredis connection, every run under its own key prefix. Triggers of open
 * findings are avoided as on the fake (config.ts, PROPERTY_KNOWN).
 */
describe('LockClient model on Redis (properties)', () => {
  const timeout = Math.max(300_000, settings.intRuns * 15_000); // a soak (pnpm test:soak) runs many more
  it('keeps every invariant over random interleavings of several pods', { timeout }, async () => {
    const stats = await runModel({
      profile: profile('redis'),
      backend: () => new RedisBackend(),
      runs: settings.intRuns,
      steps: settings.steps(30),
    });
    console.log(formatStats('redis model', stats));
  });
});
