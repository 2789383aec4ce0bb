import type { Queryable } from './database.js';

export interface CustomerRow {
  id: string;
  accountId: string;
  parentCustomerId: string | null;
  name: string;
  referenceId: string | null;
  dateCreated: Date;
  dateLastModified: Date;
}

const COLUMNS = `id, account_id AS "accountId", parent_customer_id AS "parentCustomerId", name,
  reference_id AS "referenceId", date_created AS "dateCreated", date_last_modified AS "dateLastModified"`;

export interface CustomerFilter {
  accountId?: string | undefined;
  parentCustomerId?: string | undefined;
  /** Restricts the list to these ids, because a Customer key reads its own subtree only. */
  ids?: readonly string[] | undefined;
}

export async function insertCustomer(db: Queryable, customer: CustomerRow): Promise<void> {
  await db.query(
    `INSERT INTO customers (id, account_id, parent_customer_id, name, reference_id, date_created, date_last_modified)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [customer.id, customer.accountId, customer.parentCustomerId, customer.name, customer.referenceId, customer.dateCreated, customer.dateLastModified],
  );
}

export async function findCustomer(db: Queryable, id: string): Promise<CustomerRow | undefined> {
  const rows = await db.query<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE id = $1`, [id]);
  return rows[0];
}

function whereClause(filter: CustomerFilter, params: unknown[]): string {
  const conditions: string[] = [];
  if (filter.accountId !== undefined) {
    params.push(filter.accountId);
    conditions.push(`account_id = $${params.length}`);
  }
  if (filter.parentCustomerId !== undefined) {
    params.push(filter.parentCustomerId);
    conditions.push(`parent_customer_id = $${params.length}`);
  }
  if (filter.ids !== undefined) {
    params.push(filter.ids);
    conditions.push(`id = ANY($${params.length}::text[])`);
  }
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

export async function listCustomers(db: Queryable, filter: CustomerFilter, page: { offset: number; limit: number }): Promise<{ rows: CustomerRow[]; total: number }> {
  const params: unknown[] = [];
  const where = whereClause(filter, params);
  const count = await db.query<{ total: number }>(`SELECT count(*)::int AS total FROM customers ${where}`, params);
  const rows = await db.query<CustomerRow>(
    `SELECT ${COLUMNS} FROM customers ${where} ORDER BY name, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  return { rows, total: count[0]?.total ?? 0 };
}

export async function updateCustomer(db: Queryable, customer: CustomerRow): Promise<void> {
  await db.query(
    `UPDATE customers SET name = $2, parent_customer_id = $3, reference_id = $4, date_last_modified = $5 WHERE id = $1`,
    [customer.id, customer.name, customer.parentCustomerId, customer.referenceId, customer.dateLastModified],
  );
}

/** Returns the customer's id and the ids of every customer below it. */
export async function findSubtreeIds(db: Queryable, customerId: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `WITH RECURSIVE subtree AS (
       SELECT id FROM customers WHERE id = $1
       UNION
       SELECT child.id FROM customers child JOIN subtree ON child.parent_customer_id = subtree.id
     )
     SELECT id FROM subtree`,
    [customerId],
  );
  return rows.map((row) => row.id);
}
