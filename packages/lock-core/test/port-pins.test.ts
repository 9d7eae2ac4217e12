import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { currentPins, pinsFile } from '../scripts/pin-ports.mjs';

type Pins = Record<string, { lua: string; port: string }>;

/**
 * InMemoryRedis runs TypeScript ports of the Lua scripts. A port is pinned to the Lua it mirrors (and the
 * Lua to its port): editing one side alone fails here, before the fake can run old logic under a new SHA.
 * After changing both and passing test/fake-parity.int.test.ts: `pnpm --filter @edirect/lock-core pin:ports`.
 */
describe('each TypeScript port of a script is pinned to its Lua', () => {
  const pinned = JSON.parse(readFileSync(pinsFile, 'utf8')) as Pins;
  const current: Pins = currentPins();

  it.each(Object.keys(current))('%s', (name) => {
    const was = pinned[name];
    const now = current[name];
    expect(was, `${name} has no pin`).toBeDefined();
    const luaChanged = was?.lua !== now?.lua;
    const portChanged = was?.port !== now?.port;
    const side =
      luaChanged && portChanged ? 'both sides' : luaChanged ? `${name}.lua` : 'its TypeScript port';
    expect(
      { luaChanged, portChanged },
      `${side} changed since the pin: make src/testing/scripts mirror src/scripts/${name}.lua line by line, ` +
        'run the parity suite (test/fake-parity.int.test.ts), then `pnpm --filter @edirect/lock-core pin:ports`',
    ).toEqual({ luaChanged: false, portChanged: false });
  });

  it('covers every script the library runs', () => {
    expect(Object.keys(current).sort()).toEqual(['acquire', 'extend', 'release']);
  });
});
