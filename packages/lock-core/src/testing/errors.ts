/**
 * Errors shaped like the ones ioredis gives, so code under test (the client's `isTransient` among it)
 * treats them as it would treat the real ones.
 */

/**
 * A Redis error reply. ioredis names these `ReplyError`; `isTransient` reads the name and the leading
 * code (`ERR`, `WRONGTYPE`, `NOSCRIPT` …) to tell a permanent refusal from a passing outage.
 */
export class ReplyError extends Error {
  /** The command that was refused, as ioredis attaches it. */
  readonly command: { name: string; args: string[] } | undefined;

  constructor(message: string, command?: { name: string; args: string[] }) {
    super(message);
    this.name = 'ReplyError';
    this.command = command;
  }
}

/**
 * What the fake does not implement. An `ERR` reply, so the client fails at once instead of retrying as
 * if Redis were away; the message names the command so the test author knows what to change.
 */
export function notImplemented(what: string): ReplyError {
  return new ReplyError(
    `ERR InMemoryRedis does not implement ${what}; it implements only what @edirect/lock-core uses ` +
      '(see @edirect/lock-core/testing). Use a real Redis for this test.',
  );
}

export const wrongType = (): ReplyError =>
  new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value');
export const notInteger = (): ReplyError => new ReplyError('ERR value is not an integer or out of range');
export const syntaxError = (): ReplyError => new ReplyError('ERR syntax error');
export const wrongArity = (command: string): ReplyError =>
  new ReplyError(`ERR wrong number of arguments for '${command.toLowerCase()}' command`);

/** ioredis rejects commands on an ended connection with this plain Error (not a reply). */
export const connectionClosed = (): Error => new Error('Connection is closed.');

/** ioredis refuses non-pub/sub commands on a connection that has subscriptions. */
export const subscriberMode = (): Error =>
  new Error('Connection in subscriber mode, only subscriber commands may be used');
