interface Lane {
  active: number;
  waiting: Array<() => void>;
}

/** Concurrency limit applied separately to each key, with waiting tasks started in FIFO order. */
export class KeyedConcurrencyLimiter {
  readonly #limit: number;
  readonly #lanes = new Map<string, Lane>();

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Concurrency limit must be a positive integer, got ${limit}`);
    }
    this.#limit = limit;
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    await this.#acquire(key);
    try {
      return await task();
    } finally {
      this.#release(key);
    }
  }

  #acquire(key: string): Promise<void> {
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = { active: 0, waiting: [] };
      this.#lanes.set(key, lane);
    }
    if (lane.active < this.#limit) {
      lane.active += 1;
      return Promise.resolve();
    }
    const queue = lane.waiting;
    return new Promise((resolve) => queue.push(resolve));
  }

  #release(key: string): void {
    const lane = this.#lanes.get(key);
    if (lane === undefined) {
      return;
    }
    const next = lane.waiting.shift();
    if (next !== undefined) {
      // The slot passes straight to the next waiter, so the active count stays the same.
      next();
      return;
    }
    lane.active -= 1;
    if (lane.active === 0) {
      this.#lanes.delete(key);
    }
  }
}
