import { randomUUID } from 'node:crypto';
import { isAdministrator, requireAccountAccess, requireAccountWrite } from '../auth/access.js';
import type { Principal } from '../auth/roles.js';
import { conflict, forbidden, invalidField, missingField, notFound, validationError } from '../errors.js';
import * as store from '../store/billables.js';
import type { BillableRow } from '../store/billables.js';
import { BillableInsertQueue } from '../store/billable-insert-queue.js';
import type { Database, Queryable } from '../store/database.js';
import type { Accounts } from './accounts.js';
import { type BillableInfo, type BillableStatus, toBillableInfo } from './billable-info.js';
import type { Customers } from './customers.js';
import { type ListResult, type PageRequest, toListResult, toOffset } from '../paging.js';
import type { Sessions } from './sessions.js';
import { checkCallSid } from './validation.js';

/** The four fields of Evo Voice's NewBillable, all optional in its schema. */
export interface NewBillableInput {
  accountId?: string | undefined;
  customerId?: string | undefined;
  sessionId?: string | undefined;
  callSid?: string | undefined;
}

export interface ReportedBillable {
  billable: BillableInfo;
  /** False when the call had been reported before and the existing billable is returned. */
  created: boolean;
}

export interface BillableListRequest extends PageRequest {
  accountId?: string | undefined;
  customerId?: string | undefined;
  status?: BillableStatus | undefined;
  startDate?: string | undefined;
  endDate?: string | undefined;
}

export interface BatchFailure {
  index: number;
  error: unknown;
}

export interface BatchReport {
  billables: BillableInfo[];
  failure: BatchFailure | undefined;
}

class BatchConflict extends Error {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {
    super('conflicting report in a batch');
  }
}

function callConflict(callSid: string, existingCustomerId: string) {
  return conflict(
    `Call '${callSid}' is already billed to customer '${existingCustomerId}' of this account; a call is billed to one customer only.`,
    'callSid',
  );
}

/** Keeps the first report of each call, so a batch that names a call twice inserts it once. */
function uniqueCalls(billables: readonly ResolvedBillable[]): ResolvedBillable[] {
  const seen = new Set<string>();
  return billables.filter((billable) => {
    const key = `${billable.accountId} ${billable.callSid}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface ResolvedBillable {
  accountId: string;
  customerId: string;
  sessionId: string | null;
  callSid: string;
}

export class Billables {
  private readonly insertQueue: BillableInsertQueue;

  constructor(
    private readonly db: Database,
    private readonly accounts: Accounts,
    private readonly customers: Customers,
    private readonly sessions: Sessions,
    /** Called after a new billable is durable, to wake the rating worker. */
    private readonly onStored: () => void = () => {},
  ) {
    this.insertQueue = new BillableInsertQueue(db);
  }

  /**
   * Stores a billable for a call, once per account and call SID. The returned billable is
   * committed; reporting the same call again returns it unchanged.
   */
  async report(principal: Principal, input: NewBillableInput): Promise<ReportedBillable> {
    const resolved = await this.resolve(principal, input);
    const inserted = await this.insertQueue.insert({ id: randomUUID(), ...resolved });
    if (inserted) {
      this.onStored();
      return { billable: toBillableInfo(inserted), created: true };
    }

    // The unique constraint kept an earlier billable, and this new statement reads it because it has committed.
    const existing = await store.findBillableByCall(this.db, resolved.accountId, resolved.callSid);
    if (!existing) throw new Error(`billable for call ${resolved.callSid} vanished after a conflicting insert`);
    if (existing.customerId !== resolved.customerId) throw callConflict(resolved.callSid, existing.customerId);
    if (existing.status === 'Failed') return { billable: toBillableInfo(await this.requeue(existing)), created: false };
    return { billable: toBillableInfo(existing), created: false };
  }

  /** Puts a Failed billable back in the queue: reporting a failed call again is how a caller retries it. */
  private async requeue(row: BillableRow, db: Queryable = this.db): Promise<BillableRow> {
    await store.requeueBillable(db, row.id);
    const requeued = await store.findBillable(db, row.id);
    this.onStored();
    return requeued ?? row;
  }

  /**
   * Stores the billables of a batch in one transaction, in order, up to the first report that
   * fails. Returns the billables stored before it and that failure, if any.
   */
  async reportBatch(principal: Principal, inputs: readonly NewBillableInput[]): Promise<BatchReport> {
    const resolved: ResolvedBillable[] = [];
    let failure: BatchFailure | undefined;
    for (const [index, input] of inputs.entries()) {
      try {
        resolved.push(await this.resolve(principal, input));
      } catch (error) {
        failure = { index, error };
        break;
      }
    }

    let stored: BillableRow[];
    try {
      stored = await this.db.transaction((tx) => this.storeResolved(tx, resolved));
    } catch (error) {
      if (!(error instanceof BatchConflict)) throw error;
      // The transaction rolled back; store the reports before the conflicting one on their own.
      const before = await this.reportBatch(principal, inputs.slice(0, error.index));
      return { billables: before.billables, failure: { index: error.index, error: error.error } };
    }
    if (stored.length > 0) this.onStored();
    return { billables: stored.map(toBillableInfo), failure };
  }

  /** Inserts resolved reports and returns the billable of each, in order; throws BatchConflict at the first call billed to another customer. */
  private async storeResolved(tx: Queryable, resolved: readonly ResolvedBillable[]): Promise<BillableRow[]> {
    const key = (billable: { accountId: string; callSid: string }) => `${billable.accountId} ${billable.callSid}`;
    // Concurrent batches lock their rows in one order (account, call SID), which avoids deadlocks between them.
    const ordered = uniqueCalls(resolved).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const inserted = await store.insertBillables(tx, ordered.map((billable) => ({ id: randomUUID(), ...billable })));
    const byCall = new Map(inserted.map((row) => [key(row), row]));
    const missing = resolved.filter((billable) => !byCall.has(key(billable)));
    if (missing.length > 0) {
      const existing = await store.findBillablesByCalls(tx, missing.map((billable) => billable.accountId), missing.map((billable) => billable.callSid));
      for (const row of existing) byCall.set(key(row), row);
    }

    const rows = resolved.map((billable, index) => {
      const row = byCall.get(key(billable));
      if (!row) throw new Error(`billable for call ${billable.callSid} vanished after a conflicting insert`);
      if (row.customerId !== billable.customerId) throw new BatchConflict(index, callConflict(billable.callSid, row.customerId));
      return row;
    });
    const failed = [...new Set(rows.filter((row) => row.status === 'Failed'))];
    const requeued = new Map<string, BillableRow>();
    for (const row of failed) requeued.set(row.id, await this.requeue(row, tx));
    return rows.map((row) => requeued.get(row.id) ?? row);
  }

  /** Works out account, customer and call from either a session or accountId + customerId. */
  private async resolve(principal: Principal, input: NewBillableInput): Promise<ResolvedBillable> {
    const sessionId = input.sessionId?.trim() || undefined;
    const callSid = input.callSid?.trim() || undefined;
    if (callSid !== undefined) checkCallSid('callSid', callSid);

    if (sessionId !== undefined) return this.resolveFromSession(principal, sessionId, input, callSid);

    const accountId = input.accountId?.trim() || undefined;
    const customerId = input.customerId?.trim() || undefined;
    const hint = "Send either 'sessionId', or 'accountId' and 'customerId'.";
    if (accountId === undefined && customerId === undefined) {
      throw validationError([
        { errorCode: 'NotEmpty', fieldName: 'sessionId', message: `'sessionId' is required when 'accountId' and 'customerId' are not given. ${hint}` },
      ]);
    }
    if (accountId === undefined) throw missingField('accountId', hint);
    if (customerId === undefined) throw missingField('customerId', hint);
    if (callSid === undefined) throw missingField('callSid', 'It is the Twilio call SID (CA + 32 hexadecimal digits) to bill.');

    requireAccountWrite(principal, accountId);
    const customerAccount = await this.customers.accountOf(customerId);
    if (customerAccount === undefined) {
      await this.accounts.load(principal, accountId, 'accountId');
      throw notFound('Customer', customerId, 'customerId');
    }
    if (customerAccount !== accountId) {
      await this.accounts.load(principal, accountId, 'accountId');
      // A Manager must not learn that an id exists in an account it cannot see.
      if (!isAdministrator(principal)) throw notFound('Customer', customerId, 'customerId');
      throw invalidField('customerId', `Customer '${customerId}' does not belong to account '${accountId}'.`, 'CustomerNotInAccount');
    }
    return { accountId, customerId, sessionId: null, callSid };
  }

  private async resolveFromSession(principal: Principal, sessionId: string, input: NewBillableInput, callSid: string | undefined): Promise<ResolvedBillable> {
    const session = await this.sessions.load(principal, sessionId, 'sessionId');
    requireAccountWrite(principal, session.accountId);

    const accountId = input.accountId?.trim() || undefined;
    const customerId = input.customerId?.trim() || undefined;
    if (accountId !== undefined && accountId !== session.accountId) {
      throw invalidField('accountId', `'accountId' contradicts session '${sessionId}', which belongs to account '${session.accountId}'; leave it out.`, 'ContradictsSession');
    }
    if (customerId !== undefined && customerId !== session.customerId) {
      throw invalidField('customerId', `'customerId' contradicts session '${sessionId}', which belongs to customer '${session.customerId}'; leave it out.`, 'ContradictsSession');
    }
    if (callSid !== undefined && session.callSid !== null && callSid !== session.callSid) {
      throw invalidField('callSid', `'callSid' contradicts session '${sessionId}', whose call is '${session.callSid}'; leave it out.`, 'ContradictsSession');
    }
    const resolvedCallSid = callSid ?? session.callSid;
    if (resolvedCallSid === null) throw missingField('callSid', `Session '${sessionId}' has no call SID, so the request must give one.`);
    return { accountId: session.accountId, customerId: session.customerId, sessionId: session.id, callSid: resolvedCallSid };
  }

  async get(principal: Principal, billableId: string): Promise<BillableInfo> {
    const row = await store.findBillable(this.db, billableId);
    if (!row) throw notFound('Billable', billableId);
    requireAccountAccess(principal, row.accountId);
    if (principal.role === 'Customer' && !(await this.customers.subtreeOf(principal)).includes(row.customerId)) {
      throw forbidden(`This API key has no access to billable '${billableId}'.`);
    }
    return toBillableInfo(row);
  }

  async list(principal: Principal, request: BillableListRequest): Promise<ListResult<BillableInfo>> {
    const page = toOffset(request);
    let accountId = request.accountId;
    if (!isAdministrator(principal)) accountId ??= principal.accountId ?? undefined;
    if (accountId === undefined) throw missingField('accountId');
    const account = await this.accounts.load(principal, accountId, 'accountId');

    let customerIds: string[] | undefined;
    if (principal.role === 'Customer') customerIds = await this.customers.subtreeOf(principal);
    if (request.customerId !== undefined) {
      if (customerIds !== undefined && !customerIds.includes(request.customerId)) {
        throw forbidden(`This API key has no access to customer '${request.customerId}'.`);
      }
      customerIds = [request.customerId];
    }

    const { rows, total } = await store.listBillables(
      this.db,
      {
        accountId,
        customerIds,
        status: request.status,
        firstDay: request.startDate,
        lastDay: request.endDate,
        timeZone: account.timeZone,
      },
      page,
    );
    return toListResult(rows.map(toBillableInfo), total, page);
  }
}
