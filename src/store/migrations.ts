/**
 * Versioned schema changes, applied in order and once each. Append new versions; never edit an
 * applied one. Money columns are NUMERIC (exact), times are timestamptz (UTC).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE accounts (
        id text PRIMARY KEY,
        name text NOT NULL,
        twilio_account_sid text NOT NULL,
        twilio_auth_token text NOT NULL,
        country_code text NOT NULL,
        time_zone text NOT NULL,
        currency text NOT NULL,
        date_created timestamptz NOT NULL,
        date_last_modified timestamptz NOT NULL
      );

      CREATE TABLE customers (
        id text PRIMARY KEY,
        account_id text NOT NULL REFERENCES accounts (id),
        parent_customer_id text REFERENCES customers (id),
        name text NOT NULL,
        reference_id text,
        date_created timestamptz NOT NULL,
        date_last_modified timestamptz NOT NULL
      );
      CREATE INDEX customers_by_account ON customers (account_id, name, id);
      CREATE INDEX customers_by_parent ON customers (parent_customer_id);

      CREATE TABLE sessions (
        id text PRIMARY KEY,
        account_id text NOT NULL REFERENCES accounts (id),
        customer_id text NOT NULL REFERENCES customers (id),
        call_sid text,
        channel text NOT NULL,
        from_address text,
        to_address text,
        date_created timestamptz NOT NULL,
        date_last_modified timestamptz NOT NULL
      );

      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL,
        account_id text REFERENCES accounts (id),
        customer_id text REFERENCES customers (id),
        key_hash text NOT NULL UNIQUE,
        key_prefix text NOT NULL,
        date_created timestamptz NOT NULL,
        date_last_modified timestamptz NOT NULL
      );

      CREATE TABLE billables (
        id text PRIMARY KEY,
        account_id text NOT NULL REFERENCES accounts (id),
        customer_id text NOT NULL REFERENCES customers (id),
        session_id text REFERENCES sessions (id),
        call_sid text NOT NULL,
        status text NOT NULL,
        failure_reason text,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        locked_until timestamptz,
        call_status text,
        start_time timestamptz,
        billing_day date,
        direction text,
        duration_seconds integer,
        inbound_minutes integer,
        outbound_minutes integer,
        legs integer,
        call_cost numeric,
        recording_cost numeric,
        total_cost numeric,
        international_cost numeric,
        currency text,
        is_international boolean,
        has_call_recording boolean,
        date_rated timestamptz,
        date_created timestamptz NOT NULL,
        date_last_modified timestamptz NOT NULL,
        CONSTRAINT billables_one_per_call UNIQUE (account_id, call_sid)
      );
      CREATE INDEX billables_due ON billables (next_attempt_at) WHERE status = 'Pending';
      CREATE INDEX billables_by_customer ON billables (account_id, customer_id, date_created);
      CREATE INDEX billables_unrated ON billables (account_id, date_created) WHERE status <> 'Rated';

      -- Every leg that was priced, kept for audits and for rerating without asking Twilio again.
      CREATE TABLE billable_legs (
        billable_id text NOT NULL REFERENCES billables (id),
        call_sid text NOT NULL,
        parent_call_sid text,
        direction text NOT NULL,
        from_address text,
        to_address text,
        duration_seconds integer NOT NULL,
        minutes integer NOT NULL,
        cost numeric NOT NULL,
        is_international boolean NOT NULL,
        PRIMARY KEY (billable_id, call_sid)
      );

      CREATE TABLE billable_recordings (
        billable_id text NOT NULL REFERENCES billables (id),
        recording_sid text NOT NULL,
        call_sid text NOT NULL,
        duration_seconds integer NOT NULL,
        cost numeric NOT NULL,
        PRIMARY KEY (billable_id, recording_sid)
      );

      -- Per-customer totals of rated billables by billing day (the account's time zone),
      -- so GetBilling reads at most one row per customer and day.
      CREATE TABLE customer_daily_totals (
        customer_id text NOT NULL REFERENCES customers (id),
        day date NOT NULL,
        account_id text NOT NULL REFERENCES accounts (id),
        billable_count integer NOT NULL,
        call_cost numeric NOT NULL,
        recording_cost numeric NOT NULL,
        total_cost numeric NOT NULL,
        international_cost numeric NOT NULL,
        inbound_minutes bigint NOT NULL,
        outbound_minutes bigint NOT NULL,
        recording_count integer NOT NULL,
        PRIMARY KEY (customer_id, day)
      );
      CREATE INDEX customer_daily_totals_by_account ON customer_daily_totals (account_id, day);
    `,
  },
  {
    version: 2,
    name: 'one account per Twilio account',
    // Two accounts on one Twilio account would each bill the same calls.
    sql: `CREATE UNIQUE INDEX accounts_one_per_twilio_account ON accounts (twilio_account_sid);`,
  },
];
