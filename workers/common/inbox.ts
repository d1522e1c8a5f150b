/**
 * The queue a worker loop takes its work from. `take()` waits for the next item or
 * for `idleMs`, whichever comes first, so an idle loop still comes around (and beats)
 * while a loop stuck inside its work does not.
 */
export class Inbox<T> {
  private readonly items: T[] = [];
  private waiter: ((item: T | undefined) => void) | null = null;
  private closed = false;

  push(item: T): void {
    if (this.closed) return;
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = null;
      wake(item);
      return;
    }
    this.items.push(item);
  }

  /** The next item, or undefined after `idleMs` with nothing to do (or once closed and empty). */
  take(idleMs: number): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(undefined);
      }, idleMs);
      this.waiter = (item) => {
        clearTimeout(timer);
        resolve(item);
      };
    });
  }

  /** Everything queued now, without waiting (for group commit). */
  drain(): T[] {
    return this.items.splice(0, this.items.length);
  }

  get size(): number {
    return this.items.length;
  }

  /** No more items are accepted; a waiting `take()` returns undefined at once. */
  close(): void {
    this.closed = true;
    const wake = this.waiter;
    this.waiter = null;
    wake?.(undefined);
  }
}
