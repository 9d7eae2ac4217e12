/** An extension on its way: sent at `sentAt`, it would keep the lease held until `until`. */
export interface SentExtension {
  readonly sentAt: number;
  readonly until: number;
}

/**
 * A lease's extensions in flight (renewals and `extend()` calls), and which reply may set its deadline.
 * Redis applies them in the order they were sent (one connection), so the reply to the last one applied
 * says where Redis's expiry is; a reply to one sent before an already-applied one says nothing new. And
 * while a later extension is still out, Redis may apply it any moment: the deadline never goes past what
 * that one would set.
 */
export class Extensions {
  /** When the extension whose reply last set the deadline was sent. */
  #appliedAt = Number.NEGATIVE_INFINITY;
  readonly #out = new Set<SentExtension>();

  send(sentAt: number, until: number): SentExtension {
    const sent = { sentAt, until };
    this.#out.add(sent);
    return sent;
  }

  /** Its reply came (or the call failed): it is no longer in flight. */
  answered(sent: SentExtension): void {
    this.#out.delete(sent);
  }

  /** The deadline its 'extended' reply sets, or undefined when an extension sent later was applied already. */
  deadlineAfter(sent: SentExtension): number | undefined {
    if (sent.sentAt < this.#appliedAt) return undefined;
    this.#appliedAt = sent.sentAt;
    let until = sent.until;
    for (const later of this.#out) if (later.sentAt > sent.sentAt) until = Math.min(until, later.until);
    return until;
  }
}
