import type { BillableRow } from '../store/billables.js';
import { type Money, moneyOrNull } from './money.js';

export const BILLABLE_STATUSES = ['Pending', 'Rated', 'Failed'] as const;
export type BillableStatus = (typeof BILLABLE_STATUSES)[number];

export interface BillableInfo {
  id: string;
  accountId: string;
  customerId: string;
  sessionId: string | null;
  callSid: string;
  status: BillableStatus;
  failureReason: string | null;
  attempts: number;
  callStatus: string | null;
  startTime: Date | null;
  billingDay: string | null;
  direction: string | null;
  durationSeconds: number | null;
  inboundMinutes: number | null;
  outboundMinutes: number | null;
  legs: number | null;
  callCost: Money | null;
  recordingCost: Money | null;
  totalCost: Money | null;
  currency: string | null;
  internationalCost: Money | null;
  isInternational: boolean | null;
  hasCallRecording: boolean | null;
  dateRated: Date | null;
  dateCreated: Date;
  dateLastModified: Date;
}

export function toBillableInfo(row: BillableRow): BillableInfo {
  return {
    id: row.id,
    accountId: row.accountId,
    customerId: row.customerId,
    sessionId: row.sessionId,
    callSid: row.callSid,
    status: row.status as BillableStatus,
    failureReason: row.failureReason,
    attempts: row.attempts,
    callStatus: row.callStatus,
    startTime: row.startTime,
    billingDay: row.billingDay,
    direction: row.direction,
    durationSeconds: row.durationSeconds,
    inboundMinutes: row.inboundMinutes,
    outboundMinutes: row.outboundMinutes,
    legs: row.legs,
    callCost: moneyOrNull(row.callCost),
    recordingCost: moneyOrNull(row.recordingCost),
    totalCost: moneyOrNull(row.totalCost),
    currency: row.currency,
    internationalCost: moneyOrNull(row.internationalCost),
    isInternational: row.isInternational,
    hasCallRecording: row.hasCallRecording,
    dateRated: row.dateRated,
    dateCreated: row.dateCreated,
    dateLastModified: row.dateLastModified,
  };
}
