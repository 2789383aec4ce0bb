import { BILLING_NAMESPACE, defineType } from '../dto.js';
import { defineOperation } from '../operation.js';
import { CustomerInfo, listResponseOf, pagingFields } from '../types.js';

const customerFields = [
  { name: 'name', type: 'string', description: 'The name of the customer' },
  { name: 'parentCustomerId', type: 'string', description: 'The customer above this one, in the same account' },
  { name: 'referenceId', type: 'string', description: 'The id of this customer in a third-party system' },
] as const;

export const newCustomer = defineOperation({
  request: defineType({
    name: 'NewCustomer',
    namespace: BILLING_NAMESPACE,
    fields: [{ name: 'accountId', type: 'string', description: 'The account of the customer' }, ...customerFields],
  }),
  response: CustomerInfo,
  method: 'POST',
  path: '/customers',
  roles: ['SystemAdministrator', 'Manager'],
  description: 'Create a new customer',
  handle: ({ principal, services }, request) => services.customers.create(principal, request),
});

export const getCustomer = defineOperation({
  request: defineType({
    name: 'GetCustomer',
    namespace: BILLING_NAMESPACE,
    fields: [{ name: 'customerId', type: 'string', required: true, description: 'The customer to return' }],
  }),
  response: CustomerInfo,
  method: 'GET',
  path: '/customers/{customerId}',
  roles: ['SystemAdministrator', 'Manager', 'Customer'],
  description: 'Get a customer',
  handle: ({ principal, services }, request) => services.customers.get(principal, request.customerId),
});

export const listCustomers = defineOperation({
  request: defineType({
    name: 'ListCustomers',
    namespace: BILLING_NAMESPACE,
    fields: [
      { name: 'accountId', type: 'string', description: 'Only customers of this account' },
      { name: 'parentCustomerId', type: 'string', description: 'Only customers directly below this one' },
      ...pagingFields,
    ],
  }),
  response: listResponseOf('CustomerInfo'),
  method: 'GET',
  path: '/customers',
  roles: ['SystemAdministrator', 'Manager', 'Customer'],
  description: 'List customers',
  handle: ({ principal, services }, request) => services.customers.list(principal, request),
});

export const patchCustomer = defineOperation({
  request: defineType({
    name: 'PatchCustomer',
    namespace: BILLING_NAMESPACE,
    fields: [
      { name: 'customerId', type: 'string', required: true, description: 'The customer to change' },
      { name: 'accountId', type: 'string', description: 'Must be the current account if given; customers do not move' },
      ...customerFields,
    ],
  }),
  response: CustomerInfo,
  method: 'PATCH',
  path: '/customers/{customerId}',
  roles: ['SystemAdministrator', 'Manager'],
  description: 'Change the given fields of a customer',
  handle: ({ principal, services }, { customerId, ...changes }) => services.customers.patch(principal, customerId, changes),
});
