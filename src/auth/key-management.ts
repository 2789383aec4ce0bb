import { findAccount } from '../store/accounts.js';
import * as keys from '../store/api-keys.js';
import { findCustomer } from '../store/customers.js';
import type { Database } from '../store/database.js';
import { type ListResult, type PageRequest, toListResult, toOffset } from '../paging.js';
import { forbidden, invalidField, missingField, notFound } from '../errors.js';
import { isAdministrator, requireAccountAccess, requireRole } from './access.js';
import type { ApiKeyAuthenticator } from './api-keys.js';
import type { Principal, Role } from './roles.js';

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  accountId: string | null;
  customerId: string | null;
  /** The first characters of the key, to tell keys apart; the rest is never stored. */
  keyPrefix: string;
  dateCreated: Date;
  dateLastModified: Date;
}

export interface NewApiKeyRequest {
  name?: string | undefined;
  role?: Role | undefined;
  accountId?: string | undefined;
  customerId?: string | undefined;
}

export function toApiKeyInfo(row: keys.ApiKeyRow): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    accountId: row.accountId,
    customerId: row.customerId,
    keyPrefix: row.keyPrefix,
    dateCreated: row.dateCreated,
    dateLastModified: row.dateLastModified,
  };
}

/** Creation, listing and deletion of API keys, with who may manage which key. */
export class ApiKeyManagement {
  constructor(
    private readonly db: Database,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  async create(principal: Principal, request: NewApiKeyRequest): Promise<ApiKeyInfo & { key: string }> {
    requireRole(principal, ['SystemAdministrator', 'Manager']);
    const name = request.name?.trim();
    if (!name) throw missingField('name');
    if (!request.role) throw missingField('role');
    if (request.role === 'SystemAdministrator' && !isAdministrator(principal)) throw forbidden('Only a SystemAdministrator can create SystemAdministrator keys.');

    const scope = await this.checkScope(principal, request.role, request.accountId, request.customerId);
    const created = await this.authenticator.create({ name, role: request.role, ...scope });
    return { ...toApiKeyInfo(created.row), key: created.key };
  }

  private async checkScope(principal: Principal, role: Role, accountId: string | undefined, customerId: string | undefined) {
    if (role === 'SystemAdministrator') {
      if (accountId !== undefined || customerId !== undefined) {
        throw invalidField('accountId', 'A SystemAdministrator key reaches every account; leave accountId and customerId out.');
      }
      return { accountId: null, customerId: null };
    }

    if (accountId === undefined) throw missingField('accountId', `A ${role} key belongs to one account.`);
    requireAccountAccess(principal, accountId);
    if (!(await findAccount(this.db, accountId))) throw notFound('Account', accountId, 'accountId');

    if (role === 'Manager') {
      if (customerId !== undefined) throw invalidField('customerId', 'A Manager key reaches the whole account; leave customerId out.');
      return { accountId, customerId: null };
    }

    if (customerId === undefined) throw missingField('customerId', 'A Customer key reads the billing of one customer and the customers below it.');
    const customer = await findCustomer(this.db, customerId);
    if (!customer) throw notFound('Customer', customerId, 'customerId');
    if (customer.accountId !== accountId) throw invalidField('customerId', `Customer '${customerId}' does not belong to account '${accountId}'.`);
    return { accountId, customerId };
  }

  async list(principal: Principal, request: PageRequest & { accountId?: string | undefined }): Promise<ListResult<ApiKeyInfo>> {
    requireRole(principal, ['SystemAdministrator', 'Manager']);
    const page = toOffset(request);
    let accountId = request.accountId;
    if (!isAdministrator(principal)) {
      accountId ??= principal.accountId ?? undefined;
      if (accountId !== undefined) requireAccountAccess(principal, accountId);
    }
    const { rows, total } = await keys.listApiKeys(this.db, accountId, page);
    return toListResult(rows.map(toApiKeyInfo), total, page);
  }

  async delete(principal: Principal, id: string): Promise<void> {
    requireRole(principal, ['SystemAdministrator', 'Manager']);
    const row = await keys.findApiKey(this.db, id);
    if (!row) throw notFound('API key', id);
    if (!isAdministrator(principal)) {
      if (row.accountId === null) throw forbidden('Only a SystemAdministrator can delete SystemAdministrator keys.');
      requireAccountAccess(principal, row.accountId);
    }
    await this.authenticator.delete(id);
  }
}
