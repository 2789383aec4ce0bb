import type { Logger } from 'pino';
import type { BillableRater } from '../billing/rater.js';
import { type ClaimedBillable, claimDueBillables, secondsUntilNextDue } from '../store/billables.js';
import type { Database } from '../store/database.js';

export interface RatingWorkerOptions {
  /** Billables rated at once by this worker. */
  concurrency: number;
  /** Maximum sleep between queue polls, in milliseconds, so that billables stored by other processes are found. */
  pollIntervalMs: number;
  /** How long a claim protects a billable from other workers; longer than one rating can take. */
  leaseSeconds: number;
}

export const WORKER_STATES = ['idle', 'running', 'stopping', 'stopped'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

/**
 * Claims due billables and rates them until stopped. Each iteration catches its own errors, so
 * a failing billable or a database hiccup never ends the loop.
 */
export class RatingWorker {
  private currentState: WorkerState = 'idle';
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly rater: BillableRater,
    private readonly options: RatingWorkerOptions,
    private readonly logger: Logger,
  ) {}

  get state(): WorkerState {
    return this.currentState;
  }

  start(): void {
    if (this.currentState !== 'idle') return;
    this.currentState = 'running';
    this.logger.info({ concurrency: this.options.concurrency }, 'rating worker started');
    this.loop = this.run();
  }

  /** Makes the worker look at the queue now, because a billable was just stored. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops claiming, waits for the ratings in flight, then resolves. */
  async stop(): Promise<void> {
    if (this.currentState === 'idle') {
      this.currentState = 'stopped';
      return;
    }
    if (this.currentState === 'stopped') return;
    this.currentState = 'stopping';
    this.wakeUp?.();
    await this.loop;
    this.currentState = 'stopped';
    this.logger.info('rating worker stopped');
  }

  private async run(): Promise<void> {
    while (this.currentState === 'running') {
      let claimed = 0;
      try {
        claimed = await this.claimAndRate();
      } catch (error) {
        this.logger.error({ err: error }, 'rating worker iteration failed; retrying after the poll interval');
        await this.sleep(this.options.pollIntervalMs);
        continue;
      }
      if (claimed === 0) await this.sleep(await this.idleDelayMs());
      else if (this.inFlight.size >= this.options.concurrency) await Promise.race(this.inFlight);
    }
    await Promise.allSettled(this.inFlight);
  }

  private async claimAndRate(): Promise<number> {
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    this.woken = false;
    const claims = await claimDueBillables(this.db, free, this.options.leaseSeconds);
    for (const claim of claims) this.track(this.rateOne(claim));
    return claims.length;
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      this.wakeUp?.();
    });
  }

  private async rateOne(claim: ClaimedBillable): Promise<void> {
    try {
      await this.rater.rate(claim);
    } catch (error) {
      this.logger.error({ err: error, billableId: claim.id, callSid: claim.callSid, attempt: claim.attempts }, 'rating failed unexpectedly');
      // Below the attempt limit the billable stays Pending and is claimed again when its lease runs out.
      await this.rater.giveUpIfExhausted(claim, error).catch((failError: unknown) => {
        this.logger.error({ err: failError, billableId: claim.id, callSid: claim.callSid }, 'could not mark the billable Failed; it will be retried after its lease');
      });
    }
  }

  private async idleDelayMs(): Promise<number> {
    if (this.inFlight.size > 0) return this.options.pollIntervalMs;
    const seconds = await secondsUntilNextDue(this.db).catch(() => null);
    if (seconds === null) return this.options.pollIntervalMs;
    return Math.min(this.options.pollIntervalMs, Math.ceil(seconds * 1000));
  }

  /** Waits up to `ms`, returning early on wake() or stop(). */
  private sleep(ms: number): Promise<void> {
    if (this.woken || this.currentState !== 'running') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wakeUp = null;
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
