// Pins each TypeScript port of a Lua script (src/testing/scripts/, run by InMemoryRedis) to the Lua it
// mirrors: writes src/testing/scripts/pins.json with the SHA-1 of each script's source (includes expanded,
// as Redis runs it) and of its port's files. test/port-pins.test.ts fails when either side changes alone.
// Run this only after changing both sides and passing the parity suite (test/fake-parity.int.test.ts).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scriptsDir = join(root, 'src', 'scripts');
const portsDir = join(root, 'src', 'testing', 'scripts');

/** Each script, and the files of its port (the port of an included lib/*.lua counts as its own). */
export const PORTS = {
  acquire: ['acquire.ts', 'fence.ts', 'queue.ts'],
  release: ['release.ts', 'fence.ts', 'queue.ts'],
  extend: ['extend.ts'],
};

const sha1 = (text) => createHash('sha1').update(text).digest('hex');
const expand = (file) =>
  readFileSync(join(scriptsDir, file), 'utf8').replace(/^--!include (\S+)\n/gm, (_, inc) => expand(inc));

export function currentPins() {
  return Object.fromEntries(
    Object.entries(PORTS).map(([name, files]) => [
      name,
      {
        lua: sha1(expand(`${name}.lua`)),
        port: sha1(files.map((f) => readFileSync(join(portsDir, f), 'utf8')).join('\n')),
      },
    ]),
  );
}

export const pinsFile = join(portsDir, 'pins.json');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(pinsFile, `${JSON.stringify(currentPins(), null, 2)}\n`);
  console.log(`pinned ${Object.keys(PORTS).join(', ')} in ${pinsFile}`);
}
