import type { Logger } from 'pino';
import { ApiKeyAuthenticator } from './auth/api-keys.js';
import { ApiKeyManagement } from './auth/key-management.js';
import { Accounts } from './billing/accounts.js';
import { Billables } from './billing/billables.js';
import { BillingTotals } from './billing/billing-totals.js';
import { Customers } from './billing/customers.js';
import { BillableRater, type RetryPolicy } from './billing/rater.js';
import { Sessions } from './billing/sessions.js';
import type { Database } from './store/database.js';
import type { TwilioClient } from './twilio/client.js';

/** The domain services, wired to one database. Protocol handlers and the worker use these. */
export interface Services {
  db: Database;
  authenticator: ApiKeyAuthenticator;
  apiKeys: ApiKeyManagement;
  accounts: Accounts;
  customers: Customers;
  sessions: Sessions;
  billables: Billables;
  billing: BillingTotals;
  rater: BillableRater;
}

export interface ServiceDependencies {
  db: Database;
  twilio: TwilioClient;
  retry: RetryPolicy;
  logger: Logger;
  /** Called after each new billable is durable. */
  onBillableStored?: () => void;
}

export function createServices(dependencies: ServiceDependencies): Services {
  const { db } = dependencies;
  const authenticator = new ApiKeyAuthenticator(db);
  const accounts = new Accounts(db);
  const customers = new Customers(db, accounts);
  const sessions = new Sessions(db, customers);
  return {
    db,
    authenticator,
    apiKeys: new ApiKeyManagement(db, authenticator),
    accounts,
    customers,
    sessions,
    billables: new Billables(db, accounts, customers, sessions, dependencies.onBillableStored),
    billing: new BillingTotals(db, accounts, customers),
    rater: new BillableRater(db, dependencies.twilio, dependencies.retry, dependencies.logger.child({ component: 'rater' })),
  };
}
