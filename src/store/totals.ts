import type { Queryable } from './database.js';

export interface CustomerTotalsRow {
  customerId: string;
  customerName: string;
  billableCount: number;
  callCost: string;
  recordingCost: string;
  totalCost: string;
  internationalCost: string;
  inboundMinutes: string;
  outboundMinutes: string;
  recordingCount: number;
}

/**
 * Sums the daily totals of an account's customers over whole billing days, zero-filled for
 * customers with no rated call. Reads at most one row per customer and day.
 */
export async function sumCustomerTotals(
  db: Queryable,
  accountId: string,
  firstDay: string,
  lastDay: string,
  customerIds: readonly string[] | undefined,
): Promise<CustomerTotalsRow[]> {
  const params: unknown[] = [accountId, firstDay, lastDay];
  let filter = '';
  if (customerIds !== undefined) {
    params.push(customerIds);
    filter = 'AND c.id = ANY($4::text[])';
  }
  return db.query<CustomerTotalsRow>(
    `SELECT c.id AS "customerId", c.name AS "customerName",
            coalesce(sum(t.billable_count), 0)::int AS "billableCount",
            coalesce(sum(t.call_cost), 0)::text AS "callCost",
            coalesce(sum(t.recording_cost), 0)::text AS "recordingCost",
            coalesce(sum(t.total_cost), 0)::text AS "totalCost",
            coalesce(sum(t.international_cost), 0)::text AS "internationalCost",
            coalesce(sum(t.inbound_minutes), 0)::text AS "inboundMinutes",
            coalesce(sum(t.outbound_minutes), 0)::text AS "outboundMinutes",
            coalesce(sum(t.recording_count), 0)::int AS "recordingCount"
       FROM customers c
       LEFT JOIN customer_daily_totals t ON t.customer_id = c.id AND t.day BETWEEN $2::date AND $3::date
      WHERE c.account_id = $1 ${filter}
      GROUP BY c.id, c.name
      ORDER BY c.name, c.id`,
    params,
  );
}

/**
 * Counts billables not yet rated per customer, by the billing day on which they were reported
 * (a Pending billable has no Twilio start time yet).
 */
export async function countUnratedByCustomer(
  db: Queryable,
  accountId: string,
  timeZone: string,
  firstDay: string,
  lastDay: string,
): Promise<Map<string, { pending: number; failed: number }>> {
  const rows = await db.query<{ customerId: string; pending: number; failed: number }>(
    `SELECT customer_id AS "customerId",
            count(*) FILTER (WHERE status = 'Pending')::int AS pending,
            count(*) FILTER (WHERE status = 'Failed')::int AS failed
       FROM billables
      WHERE account_id = $1 AND status <> 'Rated'
        AND date_created >= ($3::date::timestamp AT TIME ZONE $2)
        AND date_created < (($4::date + 1)::timestamp AT TIME ZONE $2)
      GROUP BY customer_id`,
    [accountId, timeZone, firstDay, lastDay],
  );
  return new Map(rows.map((row) => [row.customerId, { pending: row.pending, failed: row.failed }]));
}

/** Rebuilds an account's daily totals from its rated billables, after its time zone changed. */
export async function rebuildAccountTotals(tx: Queryable, accountId: string, timeZone: string): Promise<void> {
  await tx.query(
    `UPDATE billables SET billing_day = (start_time AT TIME ZONE $2)::date WHERE account_id = $1 AND status = 'Rated'`,
    [accountId, timeZone],
  );
  await tx.query('DELETE FROM customer_daily_totals WHERE account_id = $1', [accountId]);
  await tx.query(
    `INSERT INTO customer_daily_totals (customer_id, day, account_id, billable_count, call_cost, recording_cost, total_cost,
       international_cost, inbound_minutes, outbound_minutes, recording_count)
     SELECT b.customer_id, b.billing_day, b.account_id, count(*), sum(b.call_cost), sum(b.recording_cost), sum(b.total_cost),
            sum(b.international_cost), sum(b.inbound_minutes), sum(b.outbound_minutes),
            coalesce(sum((SELECT count(*) FROM billable_recordings r WHERE r.billable_id = b.id)), 0)
       FROM billables b
      WHERE b.account_id = $1 AND b.status = 'Rated'
      GROUP BY b.customer_id, b.billing_day, b.account_id`,
    [accountId],
  );
}
