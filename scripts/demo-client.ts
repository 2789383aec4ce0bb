/**
 * Request and response DTOs of the Evo Voice API, written by hand as a ServiceStack client would
 * have them, and the demo's JsonServiceClient, which parses money fields as exact decimal strings.
 */
import { type IReturn, JsonServiceClient } from '@servicestack/client';

class BillableInfo {
  id = '';
  customerId = '';
  callSid = '';
  status = '';
  failureReason?: string;
  attempts = 0;
  billingDay?: string;
  totalCost?: string;
}

export class BillingCustomerInfo {
  customerId = '';
  customerName = '';
  billableCount = 0;
  pendingCount = 0;
  failedCount = 0;
  inboundMinutes = 0;
  outboundMinutes = 0;
  callCost = '0';
  recordingCost = '0';
  internationalCosts = '0';
  totalCost = '0';
  hasCallRecording = false;
  currency = '';
}

class BillingInfo {
  customers: BillingCustomerInfo[] = [];
}

class IdResponse {
  id = '';
}

class BillableList {
  items: BillableInfo[] = [];
  totalCount = 0;
}

export class NewAccount implements IReturn<IdResponse> {
  name?: string;
  twilioAccountSid?: string;
  twilioAuthToken?: string;
  countryCode?: string;
  timeZone?: string;
  constructor(init: Partial<NewAccount>) {
    Object.assign(this, init);
  }
  getTypeName() {
    return 'NewAccount';
  }
  getMethod() {
    return 'POST';
  }
  createResponse() {
    return new IdResponse();
  }
}

export class NewCustomer implements IReturn<IdResponse> {
  accountId?: string;
  name?: string;
  constructor(init: Partial<NewCustomer>) {
    Object.assign(this, init);
  }
  getTypeName() {
    return 'NewCustomer';
  }
  getMethod() {
    return 'POST';
  }
  createResponse() {
    return new IdResponse();
  }
}

export class NewSession implements IReturn<IdResponse> {
  accountId?: string;
  customerId?: string;
  callSid?: string;
  fromAddress?: string;
  toAddress?: string;
  constructor(init: Partial<NewSession>) {
    Object.assign(this, init);
  }
  getTypeName() {
    return 'NewSession';
  }
  getMethod() {
    return 'POST';
  }
  createResponse() {
    return new IdResponse();
  }
}

/** Evo Voice's NewBillable: either sessionId, or accountId and customerId, plus the call SID. */
export class NewBillable implements IReturn<BillableInfo> {
  accountId?: string;
  customerId?: string;
  sessionId?: string;
  callSid?: string;
  constructor(init: Partial<NewBillable>) {
    Object.assign(this, init);
  }
  getTypeName() {
    return 'NewBillable';
  }
  getMethod() {
    return 'POST';
  }
  createResponse() {
    return new BillableInfo();
  }
}

export class GetBillable implements IReturn<BillableInfo> {
  billableId?: string;
  constructor(init: Partial<GetBillable>) {
    Object.assign(this, init);
  }
  getTypeName() {
    return 'GetBillable';
  }
  getMethod() {
    return 'GET';
  }
  createResponse() {
    return new BillableInfo();
  }
}

export class ListBillables implements IReturn<BillableList> {
  accountId?: string;
  status?: string;
  countPerPage?: number;
  constructor(init: Partial<ListBillables>) {
    Object.assign(this, init);
  }
  getTypeName() {
    return 'ListBillables';
  }
  getMethod() {
    return 'GET';
  }
  createResponse() {
    return new BillableList();
  }
}

export class GetBilling implements IReturn<BillingInfo> {
  accountId?: string;
  startDate?: string;
  endDate?: string;
  customerId?: string;
  constructor(init: Partial<GetBilling>) {
    Object.assign(this, init);
  }
  getTypeName() {
    return 'GetBilling';
  }
  getMethod() {
    return 'GET';
  }
  createResponse() {
    return new BillingInfo();
  }
}

// The service writes money as JSON numbers. These fields are parsed as strings instead, so that
// decimal.js reads the exact digits and never a binary float.
const MONEY_FIELD = /"(callCost|recordingCost|totalCost|internationalCost|internationalCosts)":(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

export function createClient(baseUrl: string, adminKey: string): JsonServiceClient {
  const client = new JsonServiceClient(baseUrl);
  client.bearerToken = adminKey;
  client.parseJson = async (response: Response) => {
    const text = await response.text();
    return text.length > 0 ? JSON.parse(text.replace(MONEY_FIELD, '"$1":"$2"')) : null;
  };
  return client;
}

/** Turns what JsonServiceClient throws (an ErrorResponse or a fetch error) into one line. */
function describeClientError(error: unknown): string {
  if (error instanceof Error) return error.message;
  const status = (error as { responseStatus?: { errorCode?: string; message?: string } } | null)?.responseStatus;
  if (status) return `${status.errorCode ?? 'Error'}: ${status.message ?? '(no message)'}`;
  return JSON.stringify(error);
}

export async function send<T>(client: JsonServiceClient, request: IReturn<T>, operation: string): Promise<T> {
  try {
    return await client.send(request);
  } catch (error) {
    throw new DemoError(`${operation} failed: ${describeClientError(error)}`);
  }
}

export class DemoError extends Error {}
