import { describe, it } from 'vitest';
import { profile } from './commands.js';
import { settings } from './config.js';
import { FakeBackend } from './fake-backend.js';
import { formatStats, runModel } from './runner.js';

/**
 * Model-based test on the in-memory fake under fake timers: 2–4 pods on one InMemoryRedis drive random
 * interleavings of every public call, with time jumps and stalls, and every invariant of world.ts is
 * checked after each step. The triggers of findings still open (config.ts, PROPERTY_KNOWN) are avoided
 * here; each has its own test in known-findings.test.ts.
 */
describe('LockClient model on the fake (properties)', () => {
  const timeout = Math.max(120_000, settings.runs * 200); // a soak (pnpm test:soak) runs many more
  it('keeps every invariant over random interleavings of several pods', { timeout }, async () => {
    const stats = await runModel({
      profile: profile('fake'),
      backend: () => new FakeBackend(),
      runs: settings.runs,
      steps: settings.steps(60),
    });
    console.log(formatStats('fake model', stats));
  });
});
