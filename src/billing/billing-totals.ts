import { forbidden, invalidField, notFound } from '../errors.js';
import type { Principal } from '../auth/roles.js';
import type { Database } from '../store/database.js';
import { countUnratedByCustomer, sumCustomerTotals } from '../store/totals.js';
import type { Accounts } from './accounts.js';
import type { Customers } from './customers.js';
import { type Money, Money as MoneyValue } from './money.js';

export const MAX_BILLING_RANGE_DAYS = 366;

export interface BillingCustomerInfo {
  customerId: string;
  customerName: string;
  internationalCosts: Money;
  hasCallRecording: boolean;
  billableCount: number;
  pendingCount: number;
  failedCount: number;
  callCost: Money;
  recordingCost: Money;
  totalCost: Money;
  inboundMinutes: number;
  outboundMinutes: number;
  currency: string;
}

export interface BillingInfo {
  customers: BillingCustomerInfo[];
}

export interface BillingRequest {
  accountId: string;
  /** First and last billing day, both included, as 'YYYY-MM-DD' in the account's time zone. */
  startDate: string;
  endDate: string;
  customerId?: string | undefined;
}

export class BillingTotals {
  constructor(
    private readonly db: Database,
    private readonly accounts: Accounts,
    private readonly customers: Customers,
  ) {}

  /** Returns every customer of the account (or the one asked for), zero-filled, over whole days. */
  async get(principal: Principal, request: BillingRequest): Promise<BillingInfo> {
    checkRange(request.startDate, request.endDate);
    const account = await this.accounts.load(principal, request.accountId, 'accountId');
    const customerIds = await this.visibleCustomers(principal, request.customerId);

    const [totals, unrated] = await Promise.all([
      sumCustomerTotals(this.db, account.id, request.startDate, request.endDate, customerIds),
      countUnratedByCustomer(this.db, account.id, account.timeZone, request.startDate, request.endDate),
    ]);

    if (request.customerId !== undefined && totals.length === 0) throw notFound('Customer', request.customerId, 'customerId');

    return {
      customers: totals.map((row) => ({
        customerId: row.customerId,
        customerName: row.customerName,
        internationalCosts: new MoneyValue(row.internationalCost),
        hasCallRecording: row.recordingCount > 0,
        billableCount: row.billableCount,
        pendingCount: unrated.get(row.customerId)?.pending ?? 0,
        failedCount: unrated.get(row.customerId)?.failed ?? 0,
        callCost: new MoneyValue(row.callCost),
        recordingCost: new MoneyValue(row.recordingCost),
        totalCost: new MoneyValue(row.totalCost),
        inboundMinutes: Number(row.inboundMinutes),
        outboundMinutes: Number(row.outboundMinutes),
        currency: account.currency,
      })),
    };
  }

  private async visibleCustomers(principal: Principal, customerId: string | undefined): Promise<string[] | undefined> {
    const subtree = principal.role === 'Customer' ? await this.customers.subtreeOf(principal) : undefined;
    if (customerId === undefined) return subtree;
    if (subtree !== undefined && !subtree.includes(customerId)) {
      throw forbidden(`This API key has no access to customer '${customerId}'.`);
    }
    return [customerId];
  }
}

function checkRange(startDate: string, endDate: string): void {
  if (endDate < startDate) {
    throw invalidField('endDate', `'endDate' (${endDate}) is before 'startDate' (${startDate}); both days are included, so endDate must be on or after startDate.`);
  }
  const days = (Date.parse(`${endDate}T00:00:00Z`) - Date.parse(`${startDate}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > MAX_BILLING_RANGE_DAYS) {
    throw invalidField('endDate', `The range covers ${days} days; ask for at most ${MAX_BILLING_RANGE_DAYS} days at a time.`, 'RangeTooLong');
  }
}
