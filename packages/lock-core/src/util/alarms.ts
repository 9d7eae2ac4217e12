/**
 * One-shot alarms sharing one Node timer. Every lease sets a deadline alarm (and, when it renews, a
 * renewal alarm) that is almost always cancelled long before it is due. A Node timer per alarm cost about
 * 2% of an uncontended acquire + release in the benchmark (each `Timeout` is an async resource, joins a
 * list and toggles the loop's ref count); here an alarm is one object in a linked list.
 *
 * Alarms set with the same delay fall due in the order they were set (the clock only moves forward), so
 * each delay keeps a FIFO list and the timer only ever waits for the earliest head among the lists.
 */

/** What `set` returns: pass it to `cancel`. */
export interface Alarm {
  readonly at: number;
}

class Entry implements Alarm {
  prev: Entry | null = null;
  next: Entry | null = null;
  /** Taken off its list to fire in the current batch; cancel() may still stop it. */
  due = false;

  constructor(
    readonly at: number,
    readonly fire: () => void,
    /** The list it waits in; null once it is due, fired or cancelled. */
    public list: List | null,
  ) {}
}

class List {
  head: Entry | null = null;
  tail: Entry | null = null;

  constructor(readonly delay: number) {}
}

/**
 * A Node timer may fire up to a millisecond before `performance.now()` reaches its time (libuv counts from
 * the loop's cached clock): alarms this close to due fire with it instead of costing another timer.
 */
const SLACK_MS = 1;

/** setTimeout's longest delay (2^31 - 1 ms); a longer one would fire at once. Later alarms re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

export class Alarms {
  readonly #lists = new Map<number, List>();
  #timer: NodeJS.Timeout | undefined;
  /** When the armed timer is due (performance.now() time); Infinity when none is armed. */
  #timerAt = Infinity;
  #stopped = false;

  /** Calls `fire` in about `delayMs` (floored to whole ms), unless cancelled first. Never keeps the process alive. */
  set(delayMs: number, fire: () => void): Alarm {
    const delay = Math.max(0, Math.floor(delayMs));
    const at = performance.now() + delay;
    // After stop() (the client closed) nothing may run or keep a timer: a lease made by an attempt that
    // raced close() is released by that path, not by an alarm.
    if (this.#stopped) return new Entry(at, fire, null);
    let list = this.#lists.get(delay);
    if (!list) {
      list = new List(delay);
      this.#lists.set(delay, list);
    }
    const entry = new Entry(at, fire, list);
    if (list.tail) {
      list.tail.next = entry;
      entry.prev = list.tail;
      list.tail = entry;
    } else {
      list.head = list.tail = entry;
    }
    if (at < this.#timerAt) this.#arm(at);
    return entry;
  }

  /** Forgets the alarm; nothing happens if it fired or was cancelled already. */
  cancel(alarm: Alarm | undefined): void {
    if (!(alarm instanceof Entry)) return;
    // Due in the batch firing now (an earlier alarm of the batch cancels it): it must not fire.
    alarm.due = false;
    if (!alarm.list) return;
    this.#unlink(alarm);
    // The timer stays armed: when it fires with nothing due, it re-arms for the next alarm or stops.
  }

  /** stop() ran: the client has closed, and nothing may be sent or scheduled for it any more. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Drops every alarm and stops the timer for good (the client is closing). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    for (const list of this.#lists.values()) {
      for (let e = list.head; e; e = e.next) e.list = null;
    }
    this.#lists.clear();
  }

  /** Alarms waiting (for tests). */
  get size(): number {
    let n = 0;
    for (const list of this.#lists.values()) for (let e = list.head; e; e = e.next) n++;
    return n;
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#timerAt = at;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(at - performance.now())));
    this.#timer = setTimeout(this.#onTimer, delay);
    this.#timer.unref();
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = performance.now() + SLACK_MS;
    const due: Entry[] = [];
    let next = Infinity;
    for (const list of this.#lists.values()) {
      while (list.head && list.head.at <= now) {
        const entry = list.head;
        this.#unlink(entry);
        entry.due = true;
        due.push(entry);
      }
      if (list.head) next = Math.min(next, list.head.at);
    }
    if (next < Infinity) this.#arm(next);
    // Fired in time order, after the lists are consistent: a callback may set or cancel alarms.
    due.sort((a, b) => a.at - b.at);
    for (const entry of due) {
      if (!entry.due || this.#stopped) continue;
      entry.due = false;
      try {
        entry.fire();
      } catch (err) {
        // As a throwing Node timer callback would, but without stopping the other alarms due now.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  };

  #unlink(entry: Entry): void {
    const list = entry.list as List;
    if (entry.prev) entry.prev.next = entry.next;
    else list.head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else list.tail = entry.prev;
    entry.prev = entry.next = entry.list = null;
    // A list is dropped when empty (unless stop() replaced the map's lists meanwhile).
    if (!list.head && this.#lists.get(list.delay) === list) this.#lists.delete(list.delay);
  }
}
