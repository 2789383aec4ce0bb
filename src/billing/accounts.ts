import { randomUUID } from 'node:crypto';
import { isAdministrator, requireAccountAccess, requireRole } from '../auth/access.js';
import type { Principal } from '../auth/roles.js';
import { checkAll, conflict, notFound } from '../errors.js';
import { hasRatedBillables, requeueFailedBillables } from '../store/billables.js';
import type { Database } from '../store/database.js';
import { StoreError } from '../store/errors.js';
import * as store from '../store/accounts.js';
import { rebuildAccountTotals } from '../store/totals.js';
import { type ListResult, type PageRequest, toListResult, toOffset } from '../paging.js';
import { checkCountryCode, checkCurrency, checkTimeZone, checkTwilioAccountSid, requireText } from './validation.js';

export interface AccountInfo {
  id: string;
  name: string;
  twilioAccountSid: string;
  countryCode: string;
  timeZone: string;
  currency: string;
  dateCreated: Date;
  dateLastModified: Date;
}

export interface AccountChanges {
  name?: string | undefined;
  twilioAccountSid?: string | undefined;
  twilioAuthToken?: string | undefined;
  countryCode?: string | undefined;
  timeZone?: string | undefined;
  currency?: string | undefined;
}

/** Projects an account for callers without its auth token, which is write-only. */
export function toAccountInfo(row: store.AccountRow): AccountInfo {
  return {
    id: row.id,
    name: row.name,
    twilioAccountSid: row.twilioAccountSid,
    countryCode: row.countryCode,
    timeZone: row.timeZone,
    currency: row.currency,
    dateCreated: row.dateCreated,
    dateLastModified: row.dateLastModified,
  };
}

export class Accounts {
  constructor(private readonly db: Database) {}

  async create(principal: Principal, input: AccountChanges): Promise<AccountInfo> {
    requireRole(principal, ['SystemAdministrator']);
    const [name, twilioAccountSid, twilioAuthToken, countryCode, timeZone, currency] = checkAll(
      () => requireText('name', input.name),
      () => checkTwilioAccountSid(requireText('twilioAccountSid', input.twilioAccountSid)),
      () => requireText('twilioAuthToken', input.twilioAuthToken, 256),
      () => checkCountryCode(input.countryCode ?? 'US'),
      () => checkTimeZone(input.timeZone ?? 'UTC'),
      () => checkCurrency(input.currency ?? 'USD'),
    );
    const now = new Date();
    const row: store.AccountRow = {
      id: randomUUID(),
      name,
      twilioAccountSid,
      twilioAuthToken,
      countryCode,
      timeZone,
      currency,
      dateCreated: now,
      dateLastModified: now,
    };
    await store.insertAccount(this.db, row).catch(rethrowSharedTwilioAccount(row.twilioAccountSid));
    return toAccountInfo(row);
  }

  /** Loads an account the principal may see, for any domain service that needs one. */
  async load(principal: Principal, accountId: string, fieldName?: string): Promise<store.AccountRow> {
    const row = await store.findAccount(this.db, accountId);
    if (!row) throw notFound('Account', accountId, fieldName);
    requireAccountAccess(principal, accountId);
    return row;
  }

  async get(principal: Principal, accountId: string): Promise<AccountInfo> {
    requireRole(principal, ['SystemAdministrator', 'Manager']);
    return toAccountInfo(await this.load(principal, accountId));
  }

  async list(principal: Principal, paging: PageRequest): Promise<ListResult<AccountInfo>> {
    requireRole(principal, ['SystemAdministrator', 'Manager']);
    const page = toOffset(paging);
    const onlyId = isAdministrator(principal) ? undefined : (principal.accountId ?? '');
    const { rows, total } = await store.listAccounts(this.db, page, onlyId);
    return toListResult(rows.map(toAccountInfo), total, page);
  }

  /** Changes the given fields. A new time zone moves rated calls to their new billing days. */
  async patch(principal: Principal, accountId: string, changes: AccountChanges): Promise<AccountInfo> {
    requireRole(principal, ['SystemAdministrator', 'Manager']);
    await this.load(principal, accountId);

    return this.db.transaction(async (tx) => {
      await store.lockAccount(tx, accountId);
      const current = await store.findAccount(tx, accountId);
      if (!current) throw notFound('Account', accountId);

      const next: store.AccountRow = {
        ...current,
        name: changes.name === undefined ? current.name : requireText('name', changes.name),
        twilioAccountSid: changes.twilioAccountSid === undefined ? current.twilioAccountSid : checkTwilioAccountSid(changes.twilioAccountSid.trim()),
        twilioAuthToken: changes.twilioAuthToken === undefined ? current.twilioAuthToken : requireText('twilioAuthToken', changes.twilioAuthToken, 256),
        countryCode: changes.countryCode === undefined ? current.countryCode : checkCountryCode(changes.countryCode),
        timeZone: changes.timeZone === undefined ? current.timeZone : checkTimeZone(changes.timeZone),
        currency: changes.currency === undefined ? current.currency : checkCurrency(changes.currency),
        dateLastModified: new Date(),
      };
      if (next.currency !== current.currency && (await hasRatedBillables(tx, accountId))) {
        throw conflict(
          `The account has rated calls in ${current.currency}, so its currency cannot change to ${next.currency}; create a new account for the new currency.`,
          'currency',
        );
      }
      await store.updateAccount(tx, next).catch(rethrowSharedTwilioAccount(next.twilioAccountSid));
      if (next.timeZone !== current.timeZone) await rebuildAccountTotals(tx, accountId, next.timeZone);
      // New Twilio credentials may fix what made ratings fail, so those billables are tried again.
      if (next.twilioAccountSid !== current.twilioAccountSid || next.twilioAuthToken !== current.twilioAuthToken) {
        await requeueFailedBillables(tx, accountId);
      }
      return toAccountInfo(next);
    });
  }
}

/** Turns the unique index on twilio_account_sid into a 409 that names the field. */
function rethrowSharedTwilioAccount(twilioAccountSid: string) {
  return (error: unknown): never => {
    if (error instanceof StoreError && error.kind === 'UniqueViolation') {
      throw conflict(
        `Twilio account ${twilioAccountSid} already belongs to another account; each account needs its own Twilio account, or its calls would be billed twice.`,
        'twilioAccountSid',
      );
    }
    throw error;
  };
}
