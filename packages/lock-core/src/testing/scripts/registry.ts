import { type Script, scripts } from '../../scripts/runner.js';
import type { LuaValue } from '../lua.js';
import { acquire } from './acquire.js';
import type { ScriptEnv } from './env.js';
import { extend } from './extend.js';
import { release } from './release.js';

/** A script of lock-core, run natively instead of through Lua. */
export interface NativeScript {
  readonly script: Script;
  /** How many KEYS and (at least) ARGV the Lua reads; other counts are refused, not guessed at. */
  readonly keys: number;
  readonly args: number;
  /** The ARGV index (0-based) naming the publish command, when the script may publish. */
  readonly publishArg?: number;
  run(redis: ScriptEnv, keys: string[], argv: string[]): LuaValue | LuaValue[];
}

const NATIVE: readonly NativeScript[] = [
  { script: scripts.acquire, keys: 3, args: 2, publishArg: 2, run: acquire },
  { script: scripts.release, keys: 3, args: 3, publishArg: 1, run: release },
  { script: scripts.extend, keys: 2, args: 2, run: extend },
];

const BY_SHA = new Map(NATIVE.map((n) => [n.script.sha, n]));
const BY_SOURCE = new Map(NATIVE.map((n) => [n.script.source, n]));

export function nativeBySha(sha: string): NativeScript | undefined {
  return BY_SHA.get(sha);
}

export function nativeBySource(source: string): NativeScript | undefined {
  return BY_SOURCE.get(source);
}
