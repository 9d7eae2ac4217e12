import { type CommandContext, type Reply, runCommand } from './commands.js';
import { Keyspace } from './keyspace.js';
import { PubSub } from './pubsub.js';
import { evalSource, evalsha, ScriptCache, scriptCommand } from './scripting.js';

/**
 * One "server": the data, channels and script cache that every InMemoryRedis connection made from the
 * same root (by `duplicate()`) shares. Commands run to completion synchronously, so each is atomic as
 * it is on Redis, and a script sees one frozen `now`, as Redis freezes time for a script.
 */
export class Store {
  readonly keyspace = new Keyspace();
  readonly pubsub = new PubSub();
  readonly scripts = new ScriptCache();

  /** Runs a command other than the pub/sub ones; `name` upper-case, arguments as Redis receives them. */
  exec(name: string, args: string[]): Reply {
    // Date.now() read per command, never captured: vitest's fake timers replace Date and move it.
    const ctx: CommandContext = { keyspace: this.keyspace, pubsub: this.pubsub, now: Date.now() };
    switch (name) {
      case 'EVALSHA':
        return evalsha(ctx, this.scripts, args);
      case 'EVAL':
        return evalSource(ctx, this.scripts, args);
      case 'SCRIPT':
        return scriptCommand(this.scripts, args);
      default:
        return runCommand(ctx, name, args);
    }
  }
}
