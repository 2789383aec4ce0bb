import type { Operation } from '../operation.js';
import { getAccount, listAccounts, newAccount, patchAccount } from './accounts.js';
import { deleteApiKey, listApiKeys, newApiKey } from './api-keys.js';
import { getBillable, getBilling, listBillables, newBillable } from './billing.js';
import { getCustomer, listCustomers, newCustomer, patchCustomer } from './customers.js';
import { getSession, newSession } from './sessions.js';

/** Every operation the service offers; routes and metadata are built from this list. */
export const OPERATIONS: readonly Operation[] = [
  newBillable,
  getBillable,
  listBillables,
  getBilling,
  newAccount,
  getAccount,
  listAccounts,
  patchAccount,
  newCustomer,
  getCustomer,
  listCustomers,
  patchCustomer,
  newSession,
  getSession,
  newApiKey,
  listApiKeys,
  deleteApiKey,
] as unknown as readonly Operation[];
