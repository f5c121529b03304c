/**
 * How many long-lived streams (log follows, build logs, deployment events, audit exports) are
 * open, per principal and in all. Pure bookkeeping: the HTTP guard asks for a slot before a
 * stream starts and gives it back when the response closes, however it closes.
 */

export interface StreamLimits {
  /** Streams one user or token may hold open at once. */
  perPrincipal: number;
  /** Streams berthd holds open at once, whoever asks: the backstop against many principals. */
  total: number;
}

export type SlotRefusal = { scope: 'principal' | 'total'; open: number; limit: number };

export type SlotResult = { granted: true; release: () => void } | ({ granted: false } & SlotRefusal);

export class StreamSlots {
  private readonly byPrincipal = new Map<string, number>();
  private total = 0;

  constructor(readonly limits: Readonly<StreamLimits>) {}

  get open(): number {
    return this.total;
  }

  openFor(principalKey: string): number {
    return this.byPrincipal.get(principalKey) ?? 0;
  }

  /** A slot, or why not; `release` is safe to call more than once. */
  tryAcquire(principalKey: string): SlotResult {
    const mine = this.openFor(principalKey);
    if (mine >= this.limits.perPrincipal)
      return { granted: false, scope: 'principal', open: mine, limit: this.limits.perPrincipal };
    if (this.total >= this.limits.total)
      return { granted: false, scope: 'total', open: this.total, limit: this.limits.total };
    this.byPrincipal.set(principalKey, mine + 1);
    this.total++;
    let released = false;
    return {
      granted: true,
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = this.openFor(principalKey) - 1;
        if (left > 0) this.byPrincipal.set(principalKey, left);
        else this.byPrincipal.delete(principalKey);
      },
    };
  }
}
