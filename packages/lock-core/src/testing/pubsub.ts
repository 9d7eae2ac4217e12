/** Where a subscribed connection receives its messages. */
export type Sink = (channel: string, message: string) => void;

/**
 * Channels of one store. PUBLISH counts the subscribers at that moment, like Redis, and each message
 * reaches its subscriber in a later microtask, never inside the publisher's call: on a real server the
 * message crosses a socket, so no code may rely on hearing it synchronously. Microtasks are not timers,
 * so fake timers neither hold nor hurry them, and they keep no process alive.
 */
export class PubSub {
  readonly #channels = new Map<string, Set<Sink>>();

  subscribe(channel: string, sink: Sink): void {
    let sinks = this.#channels.get(channel);
    if (!sinks) {
      sinks = new Set();
      this.#channels.set(channel, sinks);
    }
    sinks.add(sink);
  }

  unsubscribe(channel: string, sink: Sink): void {
    const sinks = this.#channels.get(channel);
    if (!sinks) return;
    sinks.delete(sink);
    if (sinks.size === 0) this.#channels.delete(channel);
  }

  /** Returns the number of subscribers the message goes to, as PUBLISH replies. */
  publish(channel: string, message: string): number {
    const sinks = [...(this.#channels.get(channel) ?? [])];
    for (const sink of sinks) queueMicrotask(() => sink(channel, message));
    return sinks.length;
  }
}
