/**
 * Bulk loading for the GetBilling benchmark: one account, its customers and a month of Rated
 * billables written straight into the tables with INSERT ... SELECT generate_series, plus the
 * customer_daily_totals rows the rating worker would have built from them.
 */
import type { Database, Queryable } from '../src/store/database.js';

export interface BillingDataPlan {
  accountId: string;
  customers: number;
  billables: number;
  /** First billing day, 'YYYY-MM-DD'. */
  firstDay: string;
  days: number;
  timeZone: string;
}

export interface LoadedBillingData {
  /** Exact SUM(total_cost) over the loaded billables, as PostgreSQL prints it. */
  totalCost: string;
  billableCount: number;
  dailyTotalRows: number;
  /** Customer ids in the order their numbers were given (customer 0 first). */
  customerIds: string[];
  /** Exact SUM(total_cost) of the first customer's billables. */
  firstCustomerTotalCost: string;
}

/**
 * Inserts the account, customers and billables of `plan`, then the daily totals, in one
 * transaction, and runs ANALYZE. Billable n belongs to customer n mod customers, on day
 * (n div customers) mod days. Throws when a loaded row breaks a foreign key.
 */
export async function loadBillingData(db: Database, plan: BillingDataPlan): Promise<LoadedBillingData> {
  await db.transaction(async (tx) => {
    // Skipping the foreign-key triggers (superuser only) made a 200,000-row load 40% faster on a
    // 2-core machine. checkReferences() checks the same references once the load is done.
    await tx.query('SET LOCAL session_replication_role = replica');
    await insertRows(tx, plan);
  });
  await db.execute('ANALYZE');
  await checkReferences(db, plan.accountId);
  return summarize(db, plan.accountId);
}

async function insertRows(db: Queryable, plan: BillingDataPlan): Promise<void> {
  await db.query(
    `INSERT INTO accounts (id, name, twilio_account_sid, twilio_auth_token, country_code, time_zone, currency, date_created, date_last_modified)
     VALUES ($1, 'Benchmark account', 'AC' || repeat('0', 32), 'benchmark-token', 'US', $2, 'USD', now(), now())`,
    [plan.accountId, plan.timeZone],
  );
  // Random UUIDs, like the ids the service gives customers and billables.
  await db.query(
    `INSERT INTO customers (id, account_id, parent_customer_id, name, reference_id, date_created, date_last_modified)
     SELECT gen_random_uuid()::text, $1, NULL, 'Customer ' || lpad(n::text, 4, '0'), n::text, now(), now()
       FROM generate_series(0, $2::int - 1) AS n`,
    [plan.accountId, plan.customers],
  );

  // Prices per minute, in USD: 0.0085 inbound, 0.0140 outbound, 0.0450 international, and
  // 0.0025 for a recording. Every fifth call is recorded and every twentieth is international.
  await db.query(
    `INSERT INTO billables (id, account_id, customer_id, session_id, call_sid, status, failure_reason, attempts, next_attempt_at,
       locked_until, call_status, start_time, billing_day, direction, duration_seconds, inbound_minutes, outbound_minutes, legs,
       call_cost, recording_cost, total_cost, international_cost, currency, is_international, has_call_recording, date_rated,
       date_created, date_last_modified)
     SELECT gen_random_uuid()::text, $1, c.id, NULL, 'CA' || lpad(to_hex(s.n), 32, '0'), 'Rated', NULL, 1, NULL,
            NULL, 'completed', s.start_time, (s.start_time AT TIME ZONE $3)::date, s.direction, s.duration,
            CASE WHEN s.direction = 'inbound' THEN s.minutes ELSE 0 END,
            CASE WHEN s.direction = 'outbound' THEN s.minutes ELSE 0 END, 1,
            s.call_cost, s.recording_cost, s.call_cost + s.recording_cost,
            CASE WHEN s.international THEN s.call_cost ELSE 0 END, 'USD', s.international, s.recorded,
            s.start_time + make_interval(secs => s.duration + 5),
            s.start_time + make_interval(secs => s.duration + 1),
            s.start_time + make_interval(secs => s.duration + 5)
       FROM (
         SELECT p.*,
                p.minutes * CASE WHEN p.international THEN 0.0450 WHEN p.direction = 'inbound' THEN 0.0085 ELSE 0.0140 END AS call_cost,
                CASE WHEN p.recorded THEN p.minutes * 0.0025 ELSE 0 END AS recording_cost
           FROM (
             SELECT n,
                    ($4::date + make_interval(days => ((n / $5) % $6)::int, secs => ((n * 7919) % 86400)::int)) AT TIME ZONE $3 AS start_time,
                    CASE WHEN n % 3 = 0 THEN 'inbound' ELSE 'outbound' END AS direction,
                    (10 + (n * 37) % 1200)::int AS duration,
                    ceil((10 + (n * 37) % 1200) / 60.0)::int AS minutes,
                    n % 20 = 1 AS international,
                    n % 5 = 0 AS recorded
               FROM generate_series(0::bigint, $2::bigint - 1) AS n
           ) p
       ) s
       JOIN (SELECT id, (row_number() OVER (ORDER BY reference_id::int) - 1)::bigint AS number FROM customers WHERE account_id = $1) c
         ON c.number = s.n % $5`,
    [plan.accountId, plan.billables, plan.timeZone, plan.firstDay, plan.customers, plan.days],
  );

  // The same sums storeRating adds up one rating at a time, with one recording per recorded call.
  await db.query(
    `INSERT INTO customer_daily_totals (customer_id, day, account_id, billable_count, call_cost, recording_cost, total_cost,
       international_cost, inbound_minutes, outbound_minutes, recording_count)
     SELECT customer_id, billing_day, account_id, count(*), sum(call_cost), sum(recording_cost), sum(total_cost),
            sum(international_cost), sum(inbound_minutes), sum(outbound_minutes), count(*) FILTER (WHERE has_call_recording)
       FROM billables
      WHERE account_id = $1 AND status = 'Rated'
      GROUP BY customer_id, billing_day, account_id`,
    [plan.accountId],
  );
}

async function checkReferences(db: Queryable, accountId: string): Promise<void> {
  const [orphans] = await db.query<{ billables: number; totals: number }>(
    `SELECT (SELECT count(*)::int FROM billables b WHERE b.account_id = $1
               AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = b.customer_id AND c.account_id = b.account_id)) AS billables,
            (SELECT count(*)::int FROM customer_daily_totals t WHERE t.account_id = $1
               AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = t.customer_id AND c.account_id = t.account_id)) AS totals`,
    [accountId],
  );
  if (!orphans || orphans.billables !== 0 || orphans.totals !== 0) {
    throw new Error(`the loaded data breaks foreign keys: ${orphans?.billables} billables and ${orphans?.totals} daily totals name no customer of the account`);
  }
}

async function summarize(db: Queryable, accountId: string): Promise<LoadedBillingData> {
  const [sums] = await db.query<{ totalCost: string; billableCount: number }>(
    `SELECT sum(total_cost)::text AS "totalCost", count(*)::int AS "billableCount" FROM billables WHERE account_id = $1`,
    [accountId],
  );
  const [totals] = await db.query<{ rows: number }>('SELECT count(*)::int AS rows FROM customer_daily_totals WHERE account_id = $1', [accountId]);
  const customers = await db.query<{ id: string }>('SELECT id FROM customers WHERE account_id = $1 ORDER BY reference_id::int', [accountId]);
  const firstCustomerId = customers[0]?.id;
  const [first] = await db.query<{ totalCost: string }>(
    `SELECT coalesce(sum(total_cost), 0)::text AS "totalCost" FROM billables WHERE customer_id = $1`,
    [firstCustomerId],
  );
  if (!sums || !totals || !first || firstCustomerId === undefined) throw new Error('the loaded data could not be summed');

  return {
    totalCost: sums.totalCost,
    billableCount: sums.billableCount,
    dailyTotalRows: totals.rows,
    customerIds: customers.map((row) => row.id),
    firstCustomerTotalCost: first.totalCost,
  };
}
