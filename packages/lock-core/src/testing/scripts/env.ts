import { type CommandContext, runCommand } from '../commands.js';
import { ReplyError } from '../errors.js';
import type { CallResult } from '../lua.js';

/** What a native script sees of Redis: `redis.call`, with Lua's view of the replies. */
export interface ScriptEnv {
  /**
   * `redis.call(command, ...)` for a command with a scalar reply: numbers are sent as their decimal text
   * and a nil reply comes back as `false`, as in Lua. An error reply throws, ending the script with the
   * writes done so far kept, as Redis keeps them. An absent ARGV (undefined here, nil in Lua) is refused as
   * Redis refuses it.
   */
  call(command: string, ...args: Array<string | number | undefined>): CallResult;
  /** `redis.call` for a command with an array reply (LRANGE, TIME): Lua's table, nil elements `false`. */
  callList(command: string, ...args: Array<string | number | undefined>): CallResult[];
}

export function scriptEnv(ctx: CommandContext): ScriptEnv {
  const run = (command: string, args: Array<string | number | undefined>) => {
    if (args.includes(undefined)) {
      throw new ReplyError('ERR Lua redis lib command arguments must be strings or integers');
    }
    return runCommand(
      ctx,
      command.toUpperCase(),
      args.map((a) => String(a)),
    );
  };
  return {
    call(command, ...args) {
      const reply = run(command, args);
      if (reply === null) return false;
      if (Array.isArray(reply)) throw new Error(`InMemoryRedis: ${command} returned an array to call()`);
      return reply;
    },
    callList(command, ...args) {
      const reply = run(command, args);
      if (!Array.isArray(reply)) throw new Error(`InMemoryRedis: ${command} returned no array to callList()`);
      return reply.map((element) => (element === null ? false : (element as string | number)));
    },
  };
}
