import { ROLES } from '../../auth/roles.js';
import { BILLING_NAMESPACE, defineType } from '../dto.js';
import { defineOperation } from '../operation.js';
import { ApiKeyInfo, listResponseOf, pagingFields } from '../types.js';

export const newApiKey = defineOperation({
  request: defineType({
    name: 'NewApiKey',
    namespace: BILLING_NAMESPACE,
    fields: [
      { name: 'name', type: 'string', description: 'What the key is for' },
      { name: 'role', type: { enum: 'Role', values: ROLES }, description: 'SystemAdministrator, Manager or Customer' },
      { name: 'accountId', type: 'string', description: 'The account of a Manager or Customer key' },
      { name: 'customerId', type: 'string', description: 'The customer of a Customer key' },
    ],
  }),
  response: ApiKeyInfo,
  method: 'POST',
  path: '/api-keys',
  roles: ['SystemAdministrator', 'Manager'],
  description: 'Create an API key; the key is in the response this once only',
  handle: ({ principal, services }, request) => services.apiKeys.create(principal, request),
});

export const listApiKeys = defineOperation({
  request: defineType({
    name: 'ListApiKeys',
    namespace: BILLING_NAMESPACE,
    fields: [{ name: 'accountId', type: 'string', description: 'Only keys of this account' }, ...pagingFields],
  }),
  response: listResponseOf('ApiKeyInfo'),
  method: 'GET',
  path: '/api-keys',
  roles: ['SystemAdministrator', 'Manager'],
  description: 'List API keys, without the keys themselves',
  handle: ({ principal, services }, request) => services.apiKeys.list(principal, request),
});

export const deleteApiKey = defineOperation({
  request: defineType({
    name: 'DeleteApiKey',
    namespace: BILLING_NAMESPACE,
    fields: [{ name: 'apiKeyId', type: 'string', required: true, description: 'The id of the key to delete' }],
  }),
  response: null,
  method: 'DELETE',
  path: '/api-keys/{apiKeyId}',
  roles: ['SystemAdministrator', 'Manager'],
  description: 'Delete an API key; it stops working at once in this process and within 5 seconds in others',
  handle: async ({ principal, services }, request) => {
    await services.apiKeys.delete(principal, request.apiKeyId);
    return null;
  },
});
