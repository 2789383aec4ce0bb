import type { Logger } from 'pino';
import * as accounts from '../store/accounts.js';
import { type ClaimedBillable, failBillable, rescheduleBillable } from '../store/billables.js';
import type { Database } from '../store/database.js';
import { storeRating } from '../store/ratings.js';
import { type TwilioCall, type TwilioClient, TwilioError, type TwilioRecording } from '../twilio/client.js';
import { type Rating, rateCall } from './rating.js';

export interface RetryPolicy {
  /** Attempts before a billable that Twilio has not finished with becomes Failed. */
  maxAttempts: number;
  /** Delay before the second attempt; it doubles with each attempt after that. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export type RatingResult = 'Rated' | 'Rescheduled' | 'Failed' | 'Skipped';

/** Rates one claimed billable: fetches the call from Twilio, rates it and stores the outcome. */
export class BillableRater {
  constructor(
    private readonly db: Database,
    private readonly twilio: TwilioClient,
    private readonly retry: RetryPolicy,
    private readonly logger: Logger,
  ) {}

  /**
   * Marks a billable Failed after an unexpected error (a bug, or a value the store rejects) when it
   * has used up its attempts, so that it cannot come back every lease for ever.
   */
  async giveUpIfExhausted(claim: ClaimedBillable, error: unknown): Promise<boolean> {
    if (claim.attempts < this.retry.maxAttempts) return false;
    const log = this.logger.child({ billableId: claim.id, callSid: claim.callSid, attempt: claim.attempts });
    await this.fail(claim, `rating failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`, log);
    return true;
  }

  async rate(claim: ClaimedBillable): Promise<RatingResult> {
    const log = this.logger.child({ billableId: claim.id, callSid: claim.callSid, attempt: claim.attempts });
    const account = await accounts.findAccount(this.db, claim.accountId);
    if (!account) return this.fail(claim, 'the account no longer exists', log);

    let fetched: { call: TwilioCall; childCalls: TwilioCall[]; recordings: TwilioRecording[] };
    try {
      fetched = await this.fetchCall({ accountSid: account.twilioAccountSid, authToken: account.twilioAuthToken }, claim.callSid);
    } catch (error) {
      if (!(error instanceof TwilioError)) throw error;
      return this.handleTwilioError(claim, error, log);
    }

    const outcome = rateCall({ ...fetched, account, reportedAt: claim.dateCreated });
    if (outcome.kind === 'NotReady') return this.retryLater(claim, outcome.reason, log);
    if (outcome.kind === 'Unratable') return this.fail(claim, outcome.reason, log);
    return this.store(claim, outcome.rating, log);
  }

  private async fetchCall(credentials: { accountSid: string; authToken: string }, callSid: string) {
    const call = await this.twilio.fetchCall(credentials, callSid);
    const childCalls = await this.twilio.listChildCalls(credentials, callSid);
    const recordings: TwilioRecording[] = [];
    for (const sid of [call.sid, ...childCalls.map((child) => child.sid)]) {
      recordings.push(...(await this.twilio.listRecordings(credentials, sid)));
    }
    return { call, childCalls, recordings };
  }

  private async store(claim: ClaimedBillable, rating: Rating, log: Logger): Promise<RatingResult> {
    const stored = await this.db.transaction(async (tx) => {
      await accounts.lockAccountShared(tx, claim.accountId);
      return storeRating(tx, {
        billableId: claim.id,
        ...rating,
        callCost: rating.callCost.toFixed(),
        recordingCost: rating.recordingCost.toFixed(),
        totalCost: rating.totalCost.toFixed(),
        internationalCost: rating.internationalCost.toFixed(),
        legs: rating.legs.map((leg) => ({ ...leg, cost: leg.cost.toFixed() })),
        recordings: rating.recordings.map((recording) => ({ ...recording, cost: recording.cost.toFixed() })),
      });
    });
    if (!stored) {
      log.warn('billable was no longer pending when its rating was stored; the rating was dropped');
      return 'Skipped';
    }
    log.info({ totalCost: rating.totalCost.toFixed(), legs: rating.legs.length }, 'billable rated');
    return 'Rated';
  }

  private handleTwilioError(claim: ClaimedBillable, error: TwilioError, log: Logger): Promise<RatingResult> {
    switch (error.kind) {
      case 'NotFound':
        return this.fail(claim, 'call not found in the Twilio account', log);
      case 'AuthenticationFailed':
        return this.fail(claim, 'Twilio rejected the account credentials; fix twilioAccountSid or twilioAuthToken', log);
      case 'BadRequest':
      case 'InvalidArgument':
        return this.fail(claim, `Twilio request rejected: ${error.message}`, log);
      default:
        return this.retryLater(claim, `Twilio request failed: ${error.message}`, log, error.retryAfterMs);
    }
  }

  private async retryLater(claim: ClaimedBillable, reason: string, log: Logger, minimumDelayMs = 0): Promise<RatingResult> {
    if (claim.attempts >= this.retry.maxAttempts) {
      return this.fail(claim, `${reason} after ${claim.attempts} attempts`, log);
    }
    const exponential = this.retry.baseDelayMs * 2 ** (claim.attempts - 1);
    const delayMs = Math.max(minimumDelayMs, Math.min(this.retry.maxDelayMs, exponential));
    // Up to 20% jitter spreads retries of calls that all ended together.
    const jitteredMs = Math.round(delayMs * (1 + Math.random() * 0.2));
    await rescheduleBillable(this.db, claim.id, jitteredMs, storableReason(reason));
    log.info({ delayMs: jitteredMs, reason }, 'billable not ready; retrying later');
    return 'Rescheduled';
  }

  private async fail(claim: ClaimedBillable, reason: string, log: Logger): Promise<RatingResult> {
    await failBillable(this.db, claim.id, storableReason(reason));
    log.warn({ reason }, 'billable failed');
    return 'Failed';
  }
}

const MAX_REASON_LENGTH = 500;

/** Keeps a failure reason printable and short, because it may quote what Twilio sent. */
function storableReason(reason: string): string {
  const printable = reason.replace(/[\u0000-\u001F\u007F-\u009F]/g, '?').toWellFormed();
  return printable.length > MAX_REASON_LENGTH ? `${printable.slice(0, MAX_REASON_LENGTH - 3)}...` : printable;
}
