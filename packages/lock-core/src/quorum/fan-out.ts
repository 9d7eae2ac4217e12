/** One node's answer to one step: a value, an error, or nothing in time. */
export type Answer<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'none' };

/**
 * Runs `call` on every node at once. Resolves with the answers as soon as `settled(answers)` says the
 * outcome is known (a majority won, or can no longer win), when every node answered, or after
 * `timeoutMs` (nodes still silent are `none`). A slow node never holds the others up; its late answer,
 * or late failure, is dropped (never an unhandled rejection).
 */
export function fanOut<T>(
  count: number,
  call: (index: number) => Promise<T>,
  timeoutMs: number,
  settled: (answers: ReadonlyArray<Answer<T>>) => boolean,
): Promise<Array<Answer<T>>> {
  const answers: Array<Answer<T>> = Array.from({ length: count }, () => ({ kind: 'none' }));
  return new Promise((resolve) => {
    let pending = count;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(answers.slice());
    };
    const timer = setTimeout(finish, timeoutMs);
    const answer = (index: number, a: Answer<T>): void => {
      if (done) return;
      answers[index] = a;
      pending--;
      if (pending === 0 || settled(answers)) finish();
    };
    for (let i = 0; i < count; i++) {
      let sent: Promise<T>;
      try {
        sent = call(i);
      } catch (error) {
        sent = Promise.reject(error);
      }
      sent.then(
        (value) => answer(i, { kind: 'value', value }),
        (error: unknown) => answer(i, { kind: 'error', error }),
      );
    }
    if (count === 0) finish();
  });
}

/** The errors among `answers` (a silent node counts as one), for a LockQuorumError's cause. */
export function failures<T>(answers: ReadonlyArray<Answer<T>>, timeoutMs: number): unknown[] {
  return answers.flatMap((a, node) => {
    if (a.kind === 'error') return [a.error];
    if (a.kind === 'none') return [new Error(`node ${node} did not answer within ${timeoutMs} ms`)];
    return [];
  });
}
