import { randomUUID } from 'node:crypto';
import { requireAccountWrite } from '../auth/access.js';
import type { Principal } from '../auth/roles.js';
import { invalidField, missingField, notFound } from '../errors.js';
import type { Database } from '../store/database.js';
import * as store from '../store/sessions.js';
import type { Customers } from './customers.js';
import { checkCallSid, optionalText } from './validation.js';

export const CHANNELS = ['Voice', 'Chat', 'Fax'] as const;
export type Channel = (typeof CHANNELS)[number];

export type SessionInfo = store.SessionRow;

export interface NewSessionInput {
  accountId?: string | undefined;
  customerId?: string | undefined;
  callSid?: string | undefined;
  channel?: Channel | undefined;
  fromAddress?: string | undefined;
  toAddress?: string | undefined;
}

export class Sessions {
  constructor(
    private readonly db: Database,
    private readonly customers: Customers,
  ) {}

  async create(principal: Principal, input: NewSessionInput): Promise<SessionInfo> {
    if (!input.accountId) throw missingField('accountId');
    if (!input.customerId) throw missingField('customerId');
    requireAccountWrite(principal, input.accountId);
    const customer = await this.customers.load(principal, input.customerId, 'customerId');
    if (customer.accountId !== input.accountId) {
      throw invalidField('customerId', `Customer '${input.customerId}' does not belong to account '${input.accountId}'.`);
    }

    const now = new Date();
    const row: store.SessionRow = {
      id: randomUUID(),
      accountId: input.accountId,
      customerId: input.customerId,
      callSid: input.callSid === undefined ? null : checkCallSid('callSid', input.callSid.trim()),
      channel: input.channel ?? 'Voice',
      fromAddress: optionalText('fromAddress', input.fromAddress),
      toAddress: optionalText('toAddress', input.toAddress),
      dateCreated: now,
      dateLastModified: now,
    };
    await store.insertSession(this.db, row);
    return row;
  }

  /** Loads a session the principal may see. */
  async load(principal: Principal, sessionId: string, fieldName?: string): Promise<SessionInfo> {
    const row = await store.findSession(this.db, sessionId);
    if (!row) throw notFound('Session', sessionId, fieldName);
    await this.customers.load(principal, row.customerId);
    return row;
  }
}
