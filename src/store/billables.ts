import type { Queryable } from './database.js';

export interface BillableRow {
  id: string;
  accountId: string;
  customerId: string;
  sessionId: string | null;
  callSid: string;
  status: string;
  failureReason: string | null;
  attempts: number;
  nextAttemptAt: Date | null;
  callStatus: string | null;
  startTime: Date | null;
  billingDay: string | null;
  direction: string | null;
  durationSeconds: number | null;
  inboundMinutes: number | null;
  outboundMinutes: number | null;
  legs: number | null;
  callCost: string | null;
  recordingCost: string | null;
  totalCost: string | null;
  internationalCost: string | null;
  currency: string | null;
  isInternational: boolean | null;
  hasCallRecording: boolean | null;
  dateRated: Date | null;
  dateCreated: Date;
  dateLastModified: Date;
}

const COLUMNS = `id, account_id AS "accountId", customer_id AS "customerId", session_id AS "sessionId", call_sid AS "callSid",
  status, failure_reason AS "failureReason", attempts, next_attempt_at AS "nextAttemptAt", call_status AS "callStatus",
  start_time AS "startTime", billing_day::text AS "billingDay", direction, duration_seconds AS "durationSeconds",
  inbound_minutes AS "inboundMinutes", outbound_minutes AS "outboundMinutes", legs, call_cost::text AS "callCost",
  recording_cost::text AS "recordingCost", total_cost::text AS "totalCost", international_cost::text AS "internationalCost",
  currency, is_international AS "isInternational", has_call_recording AS "hasCallRecording", date_rated AS "dateRated",
  date_created AS "dateCreated", date_last_modified AS "dateLastModified"`;

export interface NewBillableRow {
  id: string;
  accountId: string;
  customerId: string;
  sessionId: string | null;
  callSid: string;
}

/**
 * Inserts a Pending billable unless the account already has one for the call. Returns the new
 * row, or undefined when the unique (account_id, call_sid) constraint kept the existing one.
 */
export async function insertBillable(db: Queryable, billable: NewBillableRow): Promise<BillableRow | undefined> {
  const rows = await db.query<BillableRow>(
    `INSERT INTO billables (id, account_id, customer_id, session_id, call_sid, status, attempts, next_attempt_at, date_created, date_last_modified)
     VALUES ($1, $2, $3, $4, $5, 'Pending', 0, now(), now(), now())
     ON CONFLICT ON CONSTRAINT billables_one_per_call DO NOTHING
     RETURNING ${COLUMNS}`,
    [billable.id, billable.accountId, billable.customerId, billable.sessionId, billable.callSid],
  );
  return rows[0];
}

export async function findBillableByCall(db: Queryable, accountId: string, callSid: string): Promise<BillableRow | undefined> {
  const rows = await db.query<BillableRow>(`SELECT ${COLUMNS} FROM billables WHERE account_id = $1 AND call_sid = $2`, [accountId, callSid]);
  return rows[0];
}

export async function hasRatedBillables(db: Queryable, accountId: string): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM billables WHERE account_id = $1 AND status = 'Rated' LIMIT 1`, [accountId]);
  return rows.length > 0;
}

export async function findBillable(db: Queryable, id: string): Promise<BillableRow | undefined> {
  const rows = await db.query<BillableRow>(`SELECT ${COLUMNS} FROM billables WHERE id = $1`, [id]);
  return rows[0];
}

export interface BillableFilter {
  accountId?: string | undefined;
  customerIds?: readonly string[] | undefined;
  status?: string | undefined;
  /** Inclusive range of days on which the billables were reported, in `timeZone`. */
  firstDay?: string | undefined;
  lastDay?: string | undefined;
  timeZone: string;
}

export async function listBillables(db: Queryable, filter: BillableFilter, page: { offset: number; limit: number }): Promise<{ rows: BillableRow[]; total: number }> {
  const params: unknown[] = [];
  const conditions: string[] = [];
  const add = (condition: string, value: unknown) => {
    params.push(value);
    conditions.push(condition.replace('?', `$${params.length}`));
  };
  if (filter.accountId !== undefined) add('account_id = ?', filter.accountId);
  if (filter.customerIds !== undefined) add('customer_id = ANY(?::text[])', filter.customerIds);
  if (filter.status !== undefined) add('status = ?', filter.status);
  if (filter.firstDay !== undefined || filter.lastDay !== undefined) params.push(filter.timeZone);
  const zone = `$${params.length}`;
  if (filter.firstDay !== undefined) add(`date_created >= (?::date::timestamp AT TIME ZONE ${zone})`, filter.firstDay);
  if (filter.lastDay !== undefined) add(`date_created < ((?::date + 1)::timestamp AT TIME ZONE ${zone})`, filter.lastDay);
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;

  const count = await db.query<{ total: number }>(`SELECT count(*)::int AS total FROM billables ${where}`, params);
  const rows = await db.query<BillableRow>(
    `SELECT ${COLUMNS} FROM billables ${where} ORDER BY date_created, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  return { rows, total: count[0]?.total ?? 0 };
}

export interface ClaimedBillable {
  id: string;
  accountId: string;
  customerId: string;
  callSid: string;
  attempts: number;
  dateCreated: Date;
}

/**
 * Claims due Pending billables for one worker. SKIP LOCKED keeps concurrent workers on disjoint
 * rows, and the lease lets another worker take a billable over when its worker died mid-rating.
 */
export async function claimDueBillables(db: Queryable, limit: number, leaseSeconds: number): Promise<ClaimedBillable[]> {
  return db.query<ClaimedBillable>(
    `UPDATE billables
        SET locked_until = now() + make_interval(secs => $2), attempts = attempts + 1, date_last_modified = now()
      WHERE id IN (
        SELECT id FROM billables
         WHERE status = 'Pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
         ORDER BY next_attempt_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED)
      RETURNING id, account_id AS "accountId", customer_id AS "customerId", call_sid AS "callSid", attempts, date_created AS "dateCreated"`,
    [limit, leaseSeconds],
  );
}

/** Returns how long until the next Pending billable is due, or null when none is waiting. */
export async function secondsUntilNextDue(db: Queryable): Promise<number | null> {
  const rows = await db.query<{ seconds: number | null }>(
    `SELECT extract(epoch FROM min(greatest(next_attempt_at, coalesce(locked_until, next_attempt_at))) - now())::float8 AS seconds
       FROM billables WHERE status = 'Pending'`,
  );
  const seconds = rows[0]?.seconds;
  return seconds === null || seconds === undefined ? null : Math.max(0, seconds);
}

export async function rescheduleBillable(db: Queryable, id: string, delayMs: number, reason: string): Promise<void> {
  await db.query(
    `UPDATE billables
        SET next_attempt_at = now() + make_interval(secs => $2), locked_until = NULL, failure_reason = $3, date_last_modified = now()
      WHERE id = $1 AND status = 'Pending'`,
    [id, delayMs / 1000, reason],
  );
}

export async function failBillable(db: Queryable, id: string, reason: string): Promise<void> {
  await db.query(
    `UPDATE billables SET status = 'Failed', failure_reason = $2, locked_until = NULL, next_attempt_at = NULL, date_last_modified = now()
      WHERE id = $1 AND status = 'Pending'`,
    [id, reason],
  );
}

/** Puts every Failed billable of an account back in the queue; returns how many. */
export async function requeueFailedBillables(db: Queryable, accountId: string): Promise<number> {
  const rows = await db.query(
    `UPDATE billables SET status = 'Pending', attempts = 0, next_attempt_at = now(), locked_until = NULL, date_last_modified = now()
      WHERE account_id = $1 AND status = 'Failed'
      RETURNING id`,
    [accountId],
  );
  return rows.length;
}

/** Puts a Failed billable back in the queue, with a fresh count of attempts. */
export async function requeueBillable(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE billables SET status = 'Pending', attempts = 0, next_attempt_at = now(), locked_until = NULL, date_last_modified = now()
      WHERE id = $1 AND status = 'Failed'`,
    [id],
  );
}

/**
 * Inserts many Pending billables in one statement, skipping calls the account already has.
 * Returns the rows it inserted; the caller looks up the others.
 */
export async function insertBillables(db: Queryable, billables: readonly NewBillableRow[]): Promise<BillableRow[]> {
  if (billables.length === 0) return [];
  return db.query<BillableRow>(
    `INSERT INTO billables (id, account_id, customer_id, session_id, call_sid, status, attempts, next_attempt_at, date_created, date_last_modified)
     SELECT id, account_id, customer_id, session_id, call_sid, 'Pending', 0, now(), now(), now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS input (id, account_id, customer_id, session_id, call_sid, position)
      ORDER BY position
     ON CONFLICT ON CONSTRAINT billables_one_per_call DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      billables.map((billable) => billable.id),
      billables.map((billable) => billable.accountId),
      billables.map((billable) => billable.customerId),
      billables.map((billable) => billable.sessionId),
      billables.map((billable) => billable.callSid),
    ],
  );
}

export async function findBillablesByCalls(db: Queryable, accountIds: readonly string[], callSids: readonly string[]): Promise<BillableRow[]> {
  return db.query<BillableRow>(
    `SELECT ${COLUMNS} FROM billables
      WHERE (account_id, call_sid) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [accountIds, callSids],
  );
}
