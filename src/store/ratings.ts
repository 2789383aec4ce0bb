import type { Queryable } from './database.js';

export interface StoredLeg {
  callSid: string;
  parentCallSid: string | null;
  direction: 'inbound' | 'outbound';
  fromAddress: string | null;
  toAddress: string | null;
  durationSeconds: number;
  minutes: number;
  cost: string;
  isInternational: boolean;
}

export interface StoredRecording {
  recordingSid: string;
  callSid: string;
  durationSeconds: number;
  cost: string;
}

export interface StoredRating {
  billableId: string;
  callStatus: string;
  startTime: Date;
  direction: string;
  durationSeconds: number;
  inboundMinutes: number;
  outboundMinutes: number;
  callCost: string;
  recordingCost: string;
  totalCost: string;
  internationalCost: string;
  currency: string;
  isInternational: boolean;
  hasCallRecording: boolean;
  legs: StoredLeg[];
  recordings: StoredRecording[];
}

/**
 * Stores a rating and adds it to the customer's daily totals, in the caller's transaction.
 * Returns false, and changes nothing, when the billable is no longer Pending: a billable is
 * added to the totals once even if two workers rated it.
 */
export async function storeRating(tx: Queryable, rating: StoredRating): Promise<boolean> {
  const updated = await tx.query<{ accountId: string; customerId: string; billingDay: string }>(
    `UPDATE billables b
        SET status = 'Rated', failure_reason = NULL, locked_until = NULL, next_attempt_at = NULL,
            call_status = $2, start_time = $3, billing_day = ($3::timestamptz AT TIME ZONE a.time_zone)::date,
            direction = $4, duration_seconds = $5, inbound_minutes = $6, outbound_minutes = $7, legs = $8,
            call_cost = $9, recording_cost = $10, total_cost = $11, international_cost = $12, currency = $13,
            is_international = $14, has_call_recording = $15, date_rated = now(), date_last_modified = now()
       FROM accounts a
      WHERE b.id = $1 AND b.status = 'Pending' AND a.id = b.account_id
      RETURNING b.account_id AS "accountId", b.customer_id AS "customerId", b.billing_day::text AS "billingDay"`,
    [
      rating.billableId, rating.callStatus, rating.startTime, rating.direction, rating.durationSeconds,
      rating.inboundMinutes, rating.outboundMinutes, rating.legs.length, rating.callCost, rating.recordingCost,
      rating.totalCost, rating.internationalCost, rating.currency, rating.isInternational, rating.hasCallRecording,
    ],
  );
  const billable = updated[0];
  if (!billable) return false;

  for (const leg of rating.legs) {
    await tx.query(
      `INSERT INTO billable_legs (billable_id, call_sid, parent_call_sid, direction, from_address, to_address, duration_seconds, minutes, cost, is_international)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [rating.billableId, leg.callSid, leg.parentCallSid, leg.direction, leg.fromAddress, leg.toAddress, leg.durationSeconds, leg.minutes, leg.cost, leg.isInternational],
    );
  }
  for (const recording of rating.recordings) {
    await tx.query(
      `INSERT INTO billable_recordings (billable_id, recording_sid, call_sid, duration_seconds, cost) VALUES ($1, $2, $3, $4, $5)`,
      [rating.billableId, recording.recordingSid, recording.callSid, recording.durationSeconds, recording.cost],
    );
  }

  await tx.query(
    `INSERT INTO customer_daily_totals AS t (customer_id, day, account_id, billable_count, call_cost, recording_cost, total_cost,
       international_cost, inbound_minutes, outbound_minutes, recording_count)
     VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (customer_id, day) DO UPDATE SET
       billable_count = t.billable_count + 1,
       call_cost = t.call_cost + EXCLUDED.call_cost,
       recording_cost = t.recording_cost + EXCLUDED.recording_cost,
       total_cost = t.total_cost + EXCLUDED.total_cost,
       international_cost = t.international_cost + EXCLUDED.international_cost,
       inbound_minutes = t.inbound_minutes + EXCLUDED.inbound_minutes,
       outbound_minutes = t.outbound_minutes + EXCLUDED.outbound_minutes,
       recording_count = t.recording_count + EXCLUDED.recording_count`,
    [
      billable.customerId, billable.billingDay, billable.accountId, rating.callCost, rating.recordingCost, rating.totalCost,
      rating.internationalCost, rating.inboundMinutes, rating.outboundMinutes, rating.recordings.length,
    ],
  );
  return true;
}

export async function listLegs(db: Queryable, billableId: string): Promise<StoredLeg[]> {
  return db.query<StoredLeg>(
    `SELECT call_sid AS "callSid", parent_call_sid AS "parentCallSid", direction, from_address AS "fromAddress",
            to_address AS "toAddress", duration_seconds AS "durationSeconds", minutes, cost::text AS cost,
            is_international AS "isInternational"
       FROM billable_legs WHERE billable_id = $1 ORDER BY parent_call_sid NULLS FIRST, call_sid`,
    [billableId],
  );
}
