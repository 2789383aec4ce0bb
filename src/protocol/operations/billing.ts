import { BILLABLE_STATUSES } from '../../billing/billable-info.js';
import { BILLING_NAMESPACE, defineType } from '../dto.js';
import { defineOperation } from '../operation.js';
import { BillableInfo, BillingInfo, listResponseOf, pagingFields } from '../types.js';

export const newBillable = defineOperation({
  request: defineType({
    name: 'NewBillable',
    namespace: BILLING_NAMESPACE,
    description: 'Report/create a new billable',
    fields: [
      { name: 'accountId', type: 'string', description: 'The account to associate the billable with' },
      { name: 'customerId', type: 'string', description: 'The customer to associate the billable with' },
      {
        name: 'sessionId',
        type: 'string',
        description: 'The session ID to associate the billable with. You must specify either this or (AccountId + CustomerID)',
      },
      { name: 'callSid', type: 'string', description: 'The call SID to report' },
    ],
  }),
  response: BillableInfo,
  method: 'POST',
  path: '/billables',
  roles: ['SystemAdministrator', 'Manager'],
  description: 'Report/create a new billable',
  handle: async ({ principal, services }, request) => (await services.billables.report(principal, request)).billable,
  handleBatch: async ({ principal, services }, requests) => {
    const report = await services.billables.reportBatch(principal, requests);
    return { responses: report.billables, failure: report.failure };
  },
});

export const getBillable = defineOperation({
  request: defineType({
    name: 'GetBillable',
    namespace: BILLING_NAMESPACE,
    fields: [{ name: 'billableId', type: 'string', required: true, description: 'The billable to return' }],
  }),
  response: BillableInfo,
  method: 'GET',
  path: '/billables/{billableId}',
  roles: ['SystemAdministrator', 'Manager', 'Customer'],
  description: 'Get a billable and, once rated, its charges',
  handle: ({ principal, services }, request) => services.billables.get(principal, request.billableId),
});

export const listBillables = defineOperation({
  request: defineType({
    name: 'ListBillables',
    namespace: BILLING_NAMESPACE,
    fields: [
      { name: 'accountId', type: 'string', description: 'The account whose billables to list (default: the key\'s account)' },
      { name: 'customerId', type: 'string', description: 'Only billables of this customer' },
      { name: 'status', type: { enum: 'BillableStatus', values: BILLABLE_STATUSES }, description: 'Only billables in this status' },
      { name: 'startDate', type: 'date', description: "Only billables reported on or after this day (account's time zone)" },
      { name: 'endDate', type: 'date', description: "Only billables reported on or before this day (account's time zone)" },
      ...pagingFields,
    ],
  }),
  response: listResponseOf('BillableInfo'),
  method: 'GET',
  path: '/billables',
  roles: ['SystemAdministrator', 'Manager', 'Customer'],
  description: 'List billables in the order they were reported',
  handle: ({ principal, services }, request) => services.billables.list(principal, request),
});

export const getBilling = defineOperation({
  request: defineType({
    name: 'GetBilling',
    namespace: BILLING_NAMESPACE,
    description: 'Get the billing totals for the specified date range. Hourly granularity is not supported.',
    fields: [
      { name: 'accountId', type: 'string', required: true, description: 'The account to get billing totals for' },
      { name: 'startDate', type: 'date', required: true, description: 'The first day; only the date part is used and the whole day is included' },
      { name: 'endDate', type: 'date', required: true, description: 'The last day; only the date part is used and the whole day is included' },
      { name: 'customerId', type: 'string', description: 'Only this customer' },
    ],
  }),
  response: BillingInfo,
  method: 'GET',
  path: '/billing',
  roles: ['SystemAdministrator', 'Manager', 'Customer'],
  description: 'Get the billing totals for the specified date range. Hourly granularity is not supported.',
  handle: ({ principal, services }, request) => services.billing.get(principal, request),
});
