import type { CommandContext, Reply } from './commands.js';
import { notImplemented, ReplyError, syntaxError, wrongArity } from './errors.js';
import { parseInteger } from './keyspace.js';
import { LuaRuntimeError, type LuaValue, scalarReply, tableReply } from './lua.js';
import { scriptEnv } from './scripts/env.js';
import { type NativeScript, nativeBySha, nativeBySource } from './scripts/registry.js';

/** The script cache of one store: like a fresh Redis, it knows no SHA until EVAL or SCRIPT LOAD. */
export class ScriptCache {
  readonly #loaded = new Set<string>();

  has(sha: string): boolean {
    return this.#loaded.has(sha);
  }

  load(native: NativeScript): string {
    this.#loaded.add(native.script.sha);
    return native.script.sha;
  }

  flush(): void {
    this.#loaded.clear();
  }
}

const unknownScript = (source: string, command: string): ReplyError =>
  notImplemented(
    `${command} of a script other than @edirect/lock-core's acquire, release and extend ` +
      `(got ${JSON.stringify(source.slice(0, 60))}${source.length > 60 ? '…' : ''})`,
  );

/** EVALSHA sha numkeys key… arg…: NOSCRIPT first (as Redis checks the SHA before the key count). */
export function evalsha(ctx: CommandContext, cache: ScriptCache, args: string[]): Reply {
  const [sha = '', numKeys, ...rest] = args;
  if (numKeys === undefined) throw wrongArity('evalsha');
  const lower = sha.toLowerCase();
  const native = cache.has(lower) ? nativeBySha(lower) : undefined;
  if (!native) throw new ReplyError('NOSCRIPT No matching script. Please use EVAL.');
  return run(ctx, native, keyCount(numKeys, rest.length), rest);
}

/** EVAL source numkeys key… arg…: runs a known script's source and caches its SHA, as Redis does. */
export function evalSource(ctx: CommandContext, cache: ScriptCache, args: string[]): Reply {
  const [source = '', numKeys, ...rest] = args;
  if (numKeys === undefined) throw wrongArity('eval');
  const n = keyCount(numKeys, rest.length);
  const native = nativeBySource(source);
  if (!native) throw unknownScript(source, 'EVAL');
  cache.load(native);
  return run(ctx, native, n, rest);
}

/** SCRIPT LOAD | EXISTS | FLUSH. */
export function scriptCommand(cache: ScriptCache, [sub = '', ...args]: string[]): Reply {
  switch (sub.toUpperCase()) {
    case 'LOAD': {
      if (args.length !== 1) throw wrongArity('script|load');
      const native = nativeBySource(args[0] ?? '');
      if (!native) throw unknownScript(args[0] ?? '', 'SCRIPT LOAD');
      return cache.load(native);
    }
    case 'EXISTS':
      if (args.length === 0) throw wrongArity('script|exists');
      return args.map((sha) => (cache.has(sha.toLowerCase()) ? 1 : 0));
    case 'FLUSH': {
      const mode = args[0]?.toUpperCase();
      if (args.length > 1 || (mode !== undefined && mode !== 'SYNC' && mode !== 'ASYNC')) throw syntaxError();
      cache.flush();
      return 'OK';
    }
    default:
      throw notImplemented(`SCRIPT ${sub.toUpperCase()}`);
  }
}

function keyCount(text: string, available: number): number {
  const n = Number(parseInteger(text));
  if (n > available) throw new ReplyError("ERR Number of keys can't be greater than number of args");
  if (n < 0) throw new ReplyError("ERR Number of keys can't be negative");
  return n;
}

function run(ctx: CommandContext, native: NativeScript, numKeys: number, rest: string[]): Reply {
  const { name, sha } = native.script;
  const keys = rest.slice(0, numKeys);
  const argv = rest.slice(numKeys);
  // The native code mirrors the Lua only for the shapes lock-core sends; anything else is refused
  // rather than answered by a guess at what Lua would do with missing ARGV.
  if (numKeys !== native.keys || argv.length < native.args) {
    throw notImplemented(
      `the ${name} script with ${numKeys} keys and ${argv.length} arguments ` +
        `(lock-core sends ${native.keys} keys and ${native.args} arguments)`,
    );
  }
  if (native.publishArg !== undefined) {
    const publish = argv[native.publishArg];
    // Checked up front so that a refusal leaves nothing half-written (Redis would fail mid-script). A call
    // without it (acquire's quick try) never publishes.
    if (publish !== undefined && publish.toUpperCase() !== 'PUBLISH') {
      throw notImplemented(`${publish} in the ${name} script`);
    }
  }
  try {
    const result = native.run(scriptEnv(ctx), keys, argv);
    return Array.isArray(result) ? tableReply(result) : luaScalar(result);
  } catch (err) {
    // Redis appends where the script failed; writes made before the failure stay, as they do there.
    const where = ` script: ${sha}, on @user_script.`;
    if (err instanceof ReplyError) throw new ReplyError(err.message + where);
    if (err instanceof LuaRuntimeError) throw new ReplyError(`ERR user_script: ${err.message}${where}`);
    throw err;
  }
}

function luaScalar(value: LuaValue): Reply {
  return value === undefined ? null : scalarReply(value);
}
