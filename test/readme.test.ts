import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Every TypeScript snippet in the README mirrors real code under examples/ that CI builds and runs: the
 * block must be preceded by `<!-- mirrors: path[#region] -->` and equal that file (or region), less the
 * lines between `// #hide` and `// #show` that the example needs to run but the reader does not.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');
const blocks = [...readme.matchAll(/(?:<!-- mirrors: (\S+) -->\n)?```ts\n([\s\S]*?)```/g)].map((m) => ({
  mirror: m[1],
  code: m[2] ?? '',
  line: readme.slice(0, m.index).split('\n').length,
}));

function mirrored(spec: string): string {
  const [path = '', region] = spec.split('#');
  let lines = readFileSync(`${root}${path}`, 'utf8').split('\n');
  if (region) {
    const start = lines.findIndex((l) => l.trim() === `// #region ${region}`);
    if (start < 0) throw new Error(`${path} has no region "${region}"`);
    const end = lines.findIndex((l, i) => i > start && l.trim() === '// #endregion');
    lines = lines.slice(start + 1, end);
  }
  const kept: string[] = [];
  let hidden = false;
  for (const line of lines) {
    const marker = line.trim();
    if (marker === '// #hide') hidden = true;
    else if (marker === '// #show') hidden = false;
    else if (!hidden && !/^\/\/ #(end)?region\b/.test(marker)) kept.push(line);
  }
  const indent = Math.min(...kept.filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return `${kept
    .map((l) => l.slice(indent))
    .join('\n')
    .trim()}\n`;
}

describe('README snippets', () => {
  it('has TypeScript snippets to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
  });

  it.each(blocks.map((b) => [`line ${b.line}: ${b.mirror ?? '(no mirror)'}`, b] as const))(
    '%s',
    (_name, block) => {
      expect(block.mirror, 'every ts block names the example it mirrors').toBeDefined();
      expect(block.code).toBe(mirrored(block.mirror as string));
    },
  );
});
