/** One SQL dialect (PostgreSQL) over two engines: embedded PGlite and a PostgreSQL server. */
export interface Queryable {
  /**
   * Runs one statement. A `name` makes PostgreSQL prepare it once per connection, which saves
   * planning on hot statements; PGlite ignores it.
   */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: { name?: string }): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  execute(script: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: it commits when `work` resolves and rolls back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a trivial query to check that the store is reachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
