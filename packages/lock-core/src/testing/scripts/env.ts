import { type CommandContext, runCommand } from '../commands.js';
import { ReplyError } from '../errors.js';
import type { CallResult } from '../lua.js';

/** What a native script sees of Redis: `redis.call`, with Lua's view of the replies. */
export interface ScriptEnv {
  /**
   * `redis.call(command, ...)`: numbers are sent as their decimal text and a nil reply comes back as
   * `false`, as in Lua. An error reply throws, ending the script with the writes done so far kept, as
   * Redis keeps them. An absent ARGV (undefined here, nil in Lua) is refused as Redis refuses it.
   */
  call(command: string, ...args: Array<string | number | undefined>): CallResult;
}

export function scriptEnv(ctx: CommandContext): ScriptEnv {
  return {
    call(command, ...args) {
      if (args.includes(undefined)) {
        throw new ReplyError('ERR Lua redis lib command arguments must be strings or integers');
      }
      const reply = runCommand(
        ctx,
        command.toUpperCase(),
        args.map((a) => String(a)),
      );
      if (reply === null) return false;
      // The three scripts call only commands with scalar replies; a table would need Lua's conversion.
      if (Array.isArray(reply)) throw new Error(`InMemoryRedis: ${command} returned an array to a script`);
      return reply;
    },
  };
}
