import { BILLING_NAMESPACE, defineType } from '../dto.js';
import { defineOperation } from '../operation.js';
import { AccountInfo, listResponseOf, pagingFields } from '../types.js';

const accountFields = [
  { name: 'name', type: 'string', description: 'The name of the account' },
  { name: 'twilioAccountSid', type: 'string', description: 'The Twilio account SID (AC + 32 hexadecimal digits) that the calls live in' },
  { name: 'twilioAuthToken', type: 'string', secret: true, description: 'The Twilio auth token; write-only, never returned' },
  { name: 'countryCode', type: 'string', description: 'ISO 3166 alpha-2 home country (default US)' },
  { name: 'timeZone', type: 'string', description: 'IANA time zone of billing days (default UTC)' },
  { name: 'currency', type: 'string', description: 'ISO 4217 currency (default USD)' },
] as const;

export const newAccount = defineOperation({
  request: defineType({ name: 'NewAccount', namespace: BILLING_NAMESPACE, fields: accountFields }),
  response: AccountInfo,
  method: 'POST',
  path: '/accounts',
  roles: ['SystemAdministrator'],
  description: 'Create a new account',
  handle: ({ principal, services }, request) => services.accounts.create(principal, request),
});

export const getAccount = defineOperation({
  request: defineType({
    name: 'GetAccount',
    namespace: BILLING_NAMESPACE,
    fields: [{ name: 'accountId', type: 'string', required: true, description: 'The account to return' }],
  }),
  response: AccountInfo,
  method: 'GET',
  path: '/accounts/{accountId}',
  roles: ['SystemAdministrator', 'Manager'],
  description: 'Get an account',
  handle: ({ principal, services }, request) => services.accounts.get(principal, request.accountId),
});

export const listAccounts = defineOperation({
  request: defineType({ name: 'ListAccounts', namespace: BILLING_NAMESPACE, fields: pagingFields }),
  response: listResponseOf('AccountInfo'),
  method: 'GET',
  path: '/accounts',
  roles: ['SystemAdministrator', 'Manager'],
  description: 'List the accounts this key can reach',
  handle: ({ principal, services }, request) => services.accounts.list(principal, request),
});

export const patchAccount = defineOperation({
  request: defineType({
    name: 'PatchAccount',
    namespace: BILLING_NAMESPACE,
    fields: [{ name: 'accountId', type: 'string', required: true, description: 'The account to change' }, ...accountFields],
  }),
  response: AccountInfo,
  method: 'PATCH',
  path: '/accounts/{accountId}',
  roles: ['SystemAdministrator', 'Manager'],
  description: 'Change the given fields of an account; a new time zone moves rated calls to their new billing days',
  handle: ({ principal, services }, { accountId, ...changes }) => services.accounts.patch(principal, accountId, changes),
});
