import type { Queryable } from './database.js';

export interface ApiKeyRow {
  id: string;
  name: string;
  role: string;
  accountId: string | null;
  customerId: string | null;
  keyHash: string;
  keyPrefix: string;
  dateCreated: Date;
  dateLastModified: Date;
}

const COLUMNS = `id, name, role, account_id AS "accountId", customer_id AS "customerId", key_hash AS "keyHash",
  key_prefix AS "keyPrefix", date_created AS "dateCreated", date_last_modified AS "dateLastModified"`;

export async function insertApiKey(db: Queryable, key: ApiKeyRow): Promise<void> {
  await db.query(
    `INSERT INTO api_keys (id, name, role, account_id, customer_id, key_hash, key_prefix, date_created, date_last_modified)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (key_hash) DO NOTHING`,
    [key.id, key.name, key.role, key.accountId, key.customerId, key.keyHash, key.keyPrefix, key.dateCreated, key.dateLastModified],
  );
}

export async function findApiKeyByHash(db: Queryable, keyHash: string): Promise<ApiKeyRow | undefined> {
  const rows = await db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`, [keyHash]);
  return rows[0];
}

export async function findApiKey(db: Queryable, id: string): Promise<ApiKeyRow | undefined> {
  const rows = await db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
  return rows[0];
}

export async function listApiKeys(db: Queryable, accountId: string | undefined, page: { offset: number; limit: number }): Promise<{ rows: ApiKeyRow[]; total: number }> {
  const where = accountId === undefined ? '' : 'WHERE account_id = $3';
  const params: unknown[] = [page.limit, page.offset];
  if (accountId !== undefined) params.push(accountId);
  const rows = await db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys ${where} ORDER BY date_created, id LIMIT $1 OFFSET $2`, params);
  const count = await db.query<{ total: number }>(`SELECT count(*)::int AS total FROM api_keys ${where.replace('$3', '$1')}`, params.slice(2));
  return { rows, total: count[0]?.total ?? 0 };
}

export async function deleteApiKey(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM api_keys WHERE id = $1 RETURNING id', [id]);
  return rows.length > 0;
}

export async function countApiKeys(db: Queryable): Promise<number> {
  const rows = await db.query<{ total: number }>('SELECT count(*)::int AS total FROM api_keys');
  return rows[0]?.total ?? 0;
}
