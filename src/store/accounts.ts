import type { Queryable } from './database.js';

export interface AccountRow {
  id: string;
  name: string;
  twilioAccountSid: string;
  twilioAuthToken: string;
  countryCode: string;
  timeZone: string;
  currency: string;
  dateCreated: Date;
  dateLastModified: Date;
}

const COLUMNS = `id, name, twilio_account_sid AS "twilioAccountSid", twilio_auth_token AS "twilioAuthToken",
  country_code AS "countryCode", time_zone AS "timeZone", currency,
  date_created AS "dateCreated", date_last_modified AS "dateLastModified"`;

export async function insertAccount(db: Queryable, account: AccountRow): Promise<void> {
  await db.query(
    `INSERT INTO accounts (id, name, twilio_account_sid, twilio_auth_token, country_code, time_zone, currency, date_created, date_last_modified)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [account.id, account.name, account.twilioAccountSid, account.twilioAuthToken, account.countryCode, account.timeZone, account.currency, account.dateCreated, account.dateLastModified],
  );
}

export async function findAccount(db: Queryable, id: string): Promise<AccountRow | undefined> {
  const rows = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts WHERE id = $1`, [id]);
  return rows[0];
}

export async function listAccounts(db: Queryable, page: { offset: number; limit: number }, onlyId?: string): Promise<{ rows: AccountRow[]; total: number }> {
  const filter = onlyId === undefined ? '' : 'WHERE id = $3';
  const params: unknown[] = [page.limit, page.offset];
  if (onlyId !== undefined) params.push(onlyId);
  const rows = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts ${filter} ORDER BY name, id LIMIT $1 OFFSET $2`, params);
  const count = await db.query<{ total: number }>(`SELECT count(*)::int AS total FROM accounts ${filter.replace('$3', '$1')}`, params.slice(2));
  return { rows, total: count[0]?.total ?? 0 };
}

export async function updateAccount(db: Queryable, account: AccountRow): Promise<void> {
  await db.query(
    `UPDATE accounts SET name = $2, twilio_account_sid = $3, twilio_auth_token = $4, country_code = $5, time_zone = $6,
       currency = $7, date_last_modified = $8
     WHERE id = $1`,
    [account.id, account.name, account.twilioAccountSid, account.twilioAuthToken, account.countryCode, account.timeZone, account.currency, account.dateLastModified],
  );
}

/** Locks the account row so that billing-day totals cannot be rebuilt twice at once. */
export async function lockAccount(db: Queryable, id: string): Promise<void> {
  await db.query('SELECT id FROM accounts WHERE id = $1 FOR UPDATE', [id]);
}

/** Holds the account's time zone steady while a rating is added to its daily totals. */
export async function lockAccountShared(db: Queryable, id: string): Promise<void> {
  await db.query('SELECT id FROM accounts WHERE id = $1 FOR SHARE', [id]);
}
