import type { Queryable } from './database.js';

export interface SessionRow {
  id: string;
  accountId: string;
  customerId: string;
  callSid: string | null;
  channel: string;
  fromAddress: string | null;
  toAddress: string | null;
  dateCreated: Date;
  dateLastModified: Date;
}

const COLUMNS = `id, account_id AS "accountId", customer_id AS "customerId", call_sid AS "callSid", channel,
  from_address AS "fromAddress", to_address AS "toAddress", date_created AS "dateCreated", date_last_modified AS "dateLastModified"`;

export async function insertSession(db: Queryable, session: SessionRow): Promise<void> {
  await db.query(
    `INSERT INTO sessions (id, account_id, customer_id, call_sid, channel, from_address, to_address, date_created, date_last_modified)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [session.id, session.accountId, session.customerId, session.callSid, session.channel, session.fromAddress, session.toAddress, session.dateCreated, session.dateLastModified],
  );
}

export async function findSession(db: Queryable, id: string): Promise<SessionRow | undefined> {
  const rows = await db.query<SessionRow>(`SELECT ${COLUMNS} FROM sessions WHERE id = $1`, [id]);
  return rows[0];
}
