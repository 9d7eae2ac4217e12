/** Lets queued microtasks and one turn of the event loop run (messages, 'ready', 'end'). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The Error a promise rejects with (fails if it resolves, or rejects with something else). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected a rejection with an Error');
  return err;
}
