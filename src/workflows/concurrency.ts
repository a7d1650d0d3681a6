// Bounded concurrency for workflow code: one helper, used by every phase. Deterministic: tasks start in the
// order they are launched, and `next()` settles in the order the SDK resolves their promises (replayed
// exactly). A task's failure is raised by the `next()` that sees it: a fatal failure ends the phase.

export class TaskPool {
  private readonly running = new Map<Promise<void>, string>();
  private readonly failures: unknown[] = [];

  /** Starts `work` now, under a kind whose in-flight count `count(kind)` reports. */
  launch(kind: string, work: () => Promise<void>): void {
    const task: Promise<void> = work().then(
      () => {
        this.running.delete(task);
      },
      (err: unknown) => {
        this.running.delete(task);
        this.failures.push(err);
      },
    );
    this.running.set(task, kind);
  }

  /** Tasks in flight, of one kind or of all. */
  count(kind?: string): number {
    if (kind === undefined) return this.running.size;
    let n = 0;
    for (const k of this.running.values()) if (k === kind) n++;
    return n;
  }

  /** Waits until at least one task has finished; rethrows the first failure seen. */
  async next(): Promise<void> {
    if (this.failures.length === 0 && this.running.size > 0) await Promise.race(this.running.keys());
    if (this.failures.length > 0) {
      const err = this.failures.shift();
      await this.drain();
      throw err;
    }
  }

  /** Waits for every task in flight, whatever its outcome (before a hand-over or after a failure). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running.keys());
  }
}

/**
 * Runs `work(i)` for i in [from, to) with at most `width` in flight, in order. Stops launching once
 * `shouldStop()` says so (history grew long) and returns the first index not started; every started task has
 * finished by then.
 */
export async function forEachBounded(
  from: number,
  to: number,
  width: number,
  work: (i: number) => Promise<void>,
  options: { shouldStop?: () => boolean; onDone?: (done: number) => void } = {},
): Promise<number> {
  const pool = new TaskPool();
  let next = from;
  let done = from;
  for (;;) {
    while (next < to && pool.count() < width && !(options.shouldStop?.() ?? false)) {
      const i = next++;
      pool.launch('work', async () => {
        await work(i);
        done++;
      });
    }
    if (pool.count() === 0) return next;
    await pool.next();
    options.onDone?.(done);
  }
}
