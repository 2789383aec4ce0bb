import { randomUUID } from 'node:crypto';
import { isAdministrator, requireAccountAccess, requireAccountWrite, requireRole } from '../auth/access.js';
import type { Principal } from '../auth/roles.js';
import { forbidden, invalidField, missingField, notFound } from '../errors.js';
import type { Database } from '../store/database.js';
import * as store from '../store/customers.js';
import type { Accounts } from './accounts.js';
import { type ListResult, type PageRequest, toListResult, toOffset } from '../paging.js';
import { optionalText, requireText } from './validation.js';

export type CustomerInfo = store.CustomerRow;

export interface CustomerChanges {
  accountId?: string | undefined;
  name?: string | undefined;
  parentCustomerId?: string | undefined;
  referenceId?: string | undefined;
}

export interface CustomerListRequest extends PageRequest {
  accountId?: string | undefined;
  parentCustomerId?: string | undefined;
}

export class Customers {
  // Customers never move to another account, so this map only grows and never goes stale.
  private readonly accountOfCustomer = new Map<string, string>();

  constructor(
    private readonly db: Database,
    private readonly accounts: Accounts,
  ) {}

  async create(principal: Principal, input: CustomerChanges): Promise<CustomerInfo> {
    if (!input.accountId) throw missingField('accountId');
    requireAccountWrite(principal, input.accountId);
    await this.accounts.load(principal, input.accountId, 'accountId');
    const parent = input.parentCustomerId ? await this.loadParent(input.accountId, input.parentCustomerId) : null;

    const now = new Date();
    const row: store.CustomerRow = {
      id: randomUUID(),
      accountId: input.accountId,
      parentCustomerId: parent?.id ?? null,
      name: requireText('name', input.name),
      referenceId: optionalText('referenceId', input.referenceId),
      dateCreated: now,
      dateLastModified: now,
    };
    await store.insertCustomer(this.db, row);
    return row;
  }

  /** Loads a customer the principal may see. */
  async load(principal: Principal, customerId: string, fieldName?: string): Promise<store.CustomerRow> {
    const row = await store.findCustomer(this.db, customerId);
    if (!row) throw notFound('Customer', customerId, fieldName);
    requireAccountAccess(principal, row.accountId);
    if (principal.role === 'Customer' && !(await this.subtreeOf(principal)).includes(row.id)) {
      throw forbidden(`This API key has no access to customer '${customerId}'.`);
    }
    return row;
  }

  /** Returns the account of a customer, or undefined for an unknown id, from memory when it can. */
  async accountOf(customerId: string): Promise<string | undefined> {
    const cached = this.accountOfCustomer.get(customerId);
    if (cached !== undefined) return cached;
    const row = await store.findCustomer(this.db, customerId);
    if (row) this.accountOfCustomer.set(customerId, row.accountId);
    return row?.accountId;
  }

  /** Returns the customer ids a Customer key may read: its own customer and every customer below it. */
  async subtreeOf(principal: Principal): Promise<string[]> {
    if (principal.customerId === null) return [];
    return store.findSubtreeIds(this.db, principal.customerId);
  }

  async get(principal: Principal, customerId: string): Promise<CustomerInfo> {
    return this.load(principal, customerId);
  }

  async list(principal: Principal, request: CustomerListRequest): Promise<ListResult<CustomerInfo>> {
    const page = toOffset(request);
    let accountId = request.accountId;
    if (!isAdministrator(principal)) {
      accountId ??= principal.accountId ?? undefined;
      if (accountId !== undefined) requireAccountAccess(principal, accountId);
    }
    const ids = principal.role === 'Customer' ? await this.subtreeOf(principal) : undefined;
    const { rows, total } = await store.listCustomers(this.db, { accountId, parentCustomerId: request.parentCustomerId, ids }, page);
    return toListResult(rows, total, page);
  }

  async patch(principal: Principal, customerId: string, changes: CustomerChanges): Promise<CustomerInfo> {
    requireRole(principal, ['SystemAdministrator', 'Manager']);
    const current = await this.load(principal, customerId);
    requireAccountWrite(principal, current.accountId);
    if (changes.accountId !== undefined && changes.accountId !== current.accountId) {
      throw invalidField('accountId', "A customer cannot move to another account; leave 'accountId' out or equal to the current one.");
    }

    let parentCustomerId = current.parentCustomerId;
    if (changes.parentCustomerId !== undefined) {
      const parent = await this.loadParent(current.accountId, changes.parentCustomerId);
      const below = await store.findSubtreeIds(this.db, customerId);
      if (below.includes(parent.id)) {
        throw invalidField('parentCustomerId', `'parentCustomerId' cannot be the customer itself or one of its descendants.`);
      }
      parentCustomerId = parent.id;
    }

    const next: store.CustomerRow = {
      ...current,
      name: changes.name === undefined ? current.name : requireText('name', changes.name),
      parentCustomerId,
      referenceId: changes.referenceId === undefined ? current.referenceId : optionalText('referenceId', changes.referenceId),
      dateLastModified: new Date(),
    };
    await store.updateCustomer(this.db, next);
    return next;
  }

  private async loadParent(accountId: string, parentCustomerId: string): Promise<store.CustomerRow> {
    const parent = await store.findCustomer(this.db, parentCustomerId);
    if (!parent) throw notFound('Customer', parentCustomerId, 'parentCustomerId');
    if (parent.accountId !== accountId) {
      throw invalidField('parentCustomerId', `Customer '${parentCustomerId}' belongs to another account; a parent must be in the same account.`);
    }
    return parent;
  }
}
