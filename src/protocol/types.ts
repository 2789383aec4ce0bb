import { ROLES } from '../auth/roles.js';
import { BILLABLE_STATUSES } from '../billing/billable-info.js';
import { CHANNELS } from '../billing/sessions.js';
import { BILLING_NAMESPACE, defineType, type FieldSpec } from './dto.js';

/** Response DTOs. Request DTOs are declared with their operations. */
const entityFields = [
  { name: 'id', type: 'string', description: 'The unique identifier' },
  { name: 'dateCreated', type: 'datetime', description: 'When it was created (ISO-8601, UTC)' },
  { name: 'dateLastModified', type: 'datetime', description: 'When it was last changed (ISO-8601, UTC)' },
] as const satisfies readonly FieldSpec[];

export const pagingFields = [
  { name: 'page', type: 'int', description: 'The page to return, counting from 0' },
  { name: 'countPerPage', type: 'int', description: 'Items per page, 1 to 1000 (default 100)' },
] as const satisfies readonly FieldSpec[];

export const AccountInfo = defineType({
  name: 'AccountInfo',
  namespace: BILLING_NAMESPACE,
  description: 'A tenant of the platform, with the Twilio account its calls live in. The auth token is never returned.',
  fields: [
    ...entityFields,
    { name: 'name', type: 'string' },
    { name: 'twilioAccountSid', type: 'string', description: 'The Twilio account SID (AC...) of every call of this account' },
    { name: 'countryCode', type: 'string', description: 'ISO 3166 alpha-2 home country; calls to or from other countries are international' },
    { name: 'timeZone', type: 'string', description: 'IANA time zone that billing days follow' },
    { name: 'currency', type: 'string', description: 'ISO 4217 currency the account is billed in' },
  ],
});

export const CustomerInfo = defineType({
  name: 'CustomerInfo',
  namespace: BILLING_NAMESPACE,
  fields: [
    ...entityFields,
    { name: 'accountId', type: 'string' },
    { name: 'parentCustomerId', type: 'string' },
    { name: 'name', type: 'string' },
    { name: 'referenceId', type: 'string', description: 'The id of this customer in a third-party system' },
  ],
});

export const SessionInfo = defineType({
  name: 'SessionInfo',
  namespace: BILLING_NAMESPACE,
  fields: [
    ...entityFields,
    { name: 'accountId', type: 'string' },
    { name: 'customerId', type: 'string' },
    { name: 'callSid', type: 'string', description: 'The Twilio call SID of this session' },
    { name: 'channel', type: { enum: 'Channel', values: CHANNELS } },
    { name: 'fromAddress', type: 'string' },
    { name: 'toAddress', type: 'string' },
  ],
});

export const ApiKeyInfo = defineType({
  name: 'ApiKeyInfo',
  namespace: BILLING_NAMESPACE,
  fields: [
    ...entityFields,
    { name: 'name', type: 'string' },
    { name: 'role', type: { enum: 'Role', values: ROLES } },
    { name: 'accountId', type: 'string' },
    { name: 'customerId', type: 'string' },
    { name: 'keyPrefix', type: 'string', description: 'The first characters of the key, to tell keys apart' },
    { name: 'key', type: 'string', description: 'The key itself, returned once by NewApiKey and never again' },
  ],
});

export const BillableInfo = defineType({
  name: 'BillableInfo',
  namespace: BILLING_NAMESPACE,
  description: 'A call reported for billing, and once rated, what Twilio charged for it',
  fields: [
    ...entityFields,
    { name: 'accountId', type: 'string' },
    { name: 'customerId', type: 'string' },
    { name: 'sessionId', type: 'string' },
    { name: 'callSid', type: 'string' },
    { name: 'status', type: { enum: 'BillableStatus', values: BILLABLE_STATUSES } },
    { name: 'failureReason', type: 'string', description: 'Why rating failed, or why the last attempt was postponed' },
    { name: 'attempts', type: 'int', description: 'Rating attempts so far' },
    { name: 'callStatus', type: 'string', description: 'The Twilio status of the call' },
    { name: 'startTime', type: 'datetime', description: 'When Twilio started the call; it decides the billing day' },
    { name: 'billingDay', type: 'date', description: "The day of startTime in the account's time zone" },
    { name: 'direction', type: 'string', description: 'inbound or outbound' },
    { name: 'durationSeconds', type: 'int' },
    { name: 'inboundMinutes', type: 'int', description: 'Minutes of inbound legs, each leg rounded up' },
    { name: 'outboundMinutes', type: 'int', description: 'Minutes of outbound legs, each leg rounded up' },
    { name: 'legs', type: 'int', description: 'The call and its child legs' },
    { name: 'callCost', type: 'decimal', description: 'What Twilio charged for the call and its legs' },
    { name: 'recordingCost', type: 'decimal', description: 'What Twilio charged for recordings' },
    { name: 'totalCost', type: 'decimal' },
    { name: 'currency', type: 'string' },
    { name: 'internationalCost', type: 'decimal', description: 'The cost of legs to or from another country' },
    { name: 'isInternational', type: 'bool' },
    { name: 'hasCallRecording', type: 'bool' },
    { name: 'dateRated', type: 'datetime' },
  ],
});

export const BillingCustomerInfo = defineType({
  name: 'BillingCustomerInfo',
  namespace: BILLING_NAMESPACE,
  fields: [
    { name: 'customerId', type: 'string' },
    { name: 'customerName', type: 'string' },
    { name: 'internationalCosts', type: 'decimal', description: 'The cost of international legs' },
    { name: 'hasCallRecording', type: 'bool', description: 'Whether any call in the range was recorded' },
    { name: 'billableCount', type: 'int', description: 'Rated billables in the range' },
    { name: 'pendingCount', type: 'int', description: 'Billables reported in the range and not rated yet' },
    { name: 'failedCount', type: 'int', description: 'Billables reported in the range whose rating failed' },
    { name: 'callCost', type: 'decimal' },
    { name: 'recordingCost', type: 'decimal' },
    { name: 'totalCost', type: 'decimal' },
    { name: 'inboundMinutes', type: 'int' },
    { name: 'outboundMinutes', type: 'int' },
    { name: 'currency', type: 'string' },
  ],
});

export const BillingInfo = defineType({
  name: 'BillingInfo',
  namespace: BILLING_NAMESPACE,
  fields: [{ name: 'customers', type: { list: { ref: 'BillingCustomerInfo' } } }],
});

/** ListResponse<T> of Evo Voice, one spec per item type. */
export function listResponseOf(itemType: string) {
  return defineType({
    name: `ListResponse<${itemType}>`,
    namespace: BILLING_NAMESPACE,
    fields: [
      { name: 'items', type: { list: { ref: itemType } } },
      { name: 'totalCount', type: 'int' },
      { name: 'totalPages', type: 'int' },
      { name: 'hasMorePages', type: 'bool' },
    ],
  });
}

export const SERVICESTACK_NAMESPACE = 'ServiceStack';

export const ResponseError = defineType({
  name: 'ResponseError',
  namespace: SERVICESTACK_NAMESPACE,
  fields: [
    { name: 'errorCode', type: 'string' },
    { name: 'fieldName', type: 'string' },
    { name: 'message', type: 'string' },
    { name: 'meta', type: { ref: 'Dictionary<String,String>' } },
  ],
});

export const ResponseStatus = defineType({
  name: 'ResponseStatus',
  namespace: SERVICESTACK_NAMESPACE,
  fields: [
    { name: 'errorCode', type: 'string' },
    { name: 'message', type: 'string' },
    { name: 'stackTrace', type: 'string' },
    { name: 'errors', type: { list: { ref: 'ResponseError' } } },
    { name: 'meta', type: { ref: 'Dictionary<String,String>' } },
  ],
});

export const ErrorResponse = defineType({
  name: 'ErrorResponse',
  namespace: SERVICESTACK_NAMESPACE,
  fields: [{ name: 'responseStatus', type: { ref: 'ResponseStatus' } }],
});

/** DTOs that appear only inside other DTOs, so no operation names them directly. */
export const NESTED_TYPES = [BillingCustomerInfo];
