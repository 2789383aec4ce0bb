/**
 * Checks of the demo's GetBilling rows against figures worked out from the call plan alone, and
 * the printed billing table with its totals row.
 */
import type { BillingCustomerInfo } from './demo-client.js';
import { CUSTOMER_NAMES, Money, type PlannedCall } from './demo-plan.js';

// ---------------------------------------------------------------------------------------------
// Expected figures, worked out from the plan alone.

export interface CustomerFigures {
  billableCount: number;
  pendingCount: number;
  failedCount: number;
  inboundMinutes: number;
  outboundMinutes: number;
  callCost: Money;
  recordingCost: Money;
  internationalCosts: Money;
  totalCost: Money;
  hasCallRecording: boolean;
}

export function expectedFigures(calls: readonly PlannedCall[], failedPerCustomer: readonly number[]): CustomerFigures[] {
  const figures = CUSTOMER_NAMES.map((_name, index) => ({
    billableCount: 0,
    pendingCount: 0,
    failedCount: failedPerCustomer[index] ?? 0,
    inboundMinutes: 0,
    outboundMinutes: 0,
    callCost: new Money(0),
    recordingCost: new Money(0),
    internationalCosts: new Money(0),
    totalCost: new Money(0),
    hasCallRecording: false,
  }));
  for (const call of calls) {
    const customer = figures[call.customerIndex] as CustomerFigures;
    customer.billableCount += 1;
    for (const leg of call.legs) {
      const minutes = Math.ceil(leg.seconds / 60);
      if (leg.direction === 'inbound') customer.inboundMinutes += minutes;
      else customer.outboundMinutes += minutes;
      const charge = leg.charge ?? new Money(0);
      customer.callCost = customer.callCost.plus(charge);
      if (leg.international) customer.internationalCosts = customer.internationalCosts.plus(charge);
    }
    for (const recording of call.recordings) {
      customer.recordingCost = customer.recordingCost.plus(recording.charge);
      customer.hasCallRecording = true;
    }
    customer.totalCost = customer.callCost.plus(customer.recordingCost);
  }
  return figures;
}

/** Sums every price the demo gave the stand-in, exactly. */
export function sumOfStandinPrices(calls: readonly PlannedCall[]): Money {
  let total = new Money(0);
  for (const call of calls) {
    for (const leg of call.legs) total = total.plus(leg.charge ?? 0);
    for (const recording of call.recordings) total = total.plus(recording.charge);
  }
  return total;
}

export function compareFigures(name: string, actual: BillingCustomerInfo, expected: CustomerFigures): string[] {
  const problems: string[] = [];
  const counts = ['billableCount', 'pendingCount', 'failedCount', 'inboundMinutes', 'outboundMinutes'] as const;
  for (const field of counts) {
    if (actual[field] !== expected[field]) problems.push(`${name}: ${field} is ${actual[field]}, expected ${expected[field]}`);
  }
  const amounts = ['callCost', 'recordingCost', 'internationalCosts', 'totalCost'] as const;
  for (const field of amounts) {
    if (!new Money(actual[field]).equals(expected[field])) problems.push(`${name}: ${field} is ${actual[field]}, expected ${expected[field].toFixed()}`);
  }
  if (actual.hasCallRecording !== expected.hasCallRecording) {
    problems.push(`${name}: hasCallRecording is ${actual.hasCallRecording}, expected ${expected.hasCallRecording}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Output.

function renderTable(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, column) => (rightAligned[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const body = rows.map(line);
  // The last row is the totals row, set off by a rule.
  return [line(header), rule, ...body.slice(0, -1), rule, ...body.slice(-1)].join('\n');
}

export function billingTable(customers: readonly BillingCustomerInfo[]): string {
  const amounts = customers.flatMap((row) => [row.callCost, row.recordingCost, row.internationalCosts, row.totalCost]).map((text) => new Money(text));
  // As many decimals as the most precise amount, so no digit is rounded away.
  const places = Math.max(2, ...amounts.map((amount) => amount.decimalPlaces()));
  const money = (value: Money) => value.toFixed(places);

  const totals = {
    billables: 0,
    pending: 0,
    failed: 0,
    inbound: 0,
    outbound: 0,
    callCost: new Money(0),
    recordingCost: new Money(0),
    international: new Money(0),
    total: new Money(0),
    recorded: false,
  };
  const rows = customers.map((row) => {
    totals.billables += row.billableCount;
    totals.pending += row.pendingCount;
    totals.failed += row.failedCount;
    totals.inbound += row.inboundMinutes;
    totals.outbound += row.outboundMinutes;
    totals.callCost = totals.callCost.plus(row.callCost);
    totals.recordingCost = totals.recordingCost.plus(row.recordingCost);
    totals.international = totals.international.plus(row.internationalCosts);
    totals.total = totals.total.plus(row.totalCost);
    totals.recorded ||= row.hasCallRecording;
    return [
      row.customerName,
      String(row.billableCount),
      String(row.pendingCount),
      String(row.failedCount),
      String(row.inboundMinutes),
      String(row.outboundMinutes),
      money(new Money(row.callCost)),
      money(new Money(row.recordingCost)),
      money(new Money(row.internationalCosts)),
      money(new Money(row.totalCost)),
      row.hasCallRecording ? 'yes' : 'no',
    ];
  });
  rows.push([
    'Total',
    String(totals.billables),
    String(totals.pending),
    String(totals.failed),
    String(totals.inbound),
    String(totals.outbound),
    money(totals.callCost),
    money(totals.recordingCost),
    money(totals.international),
    money(totals.total),
    totals.recorded ? 'yes' : 'no',
  ]);
  const header = ['Customer', 'Billables', 'Pending', 'Failed', 'Inbound min', 'Outbound min', 'Call cost', 'Recording cost', 'International', 'Total', 'Recording'];
  const right = [false, true, true, true, true, true, true, true, true, true, false];
  return renderTable(header, rows, right);
}

export function sumTotals(customers: readonly BillingCustomerInfo[]): Money {
  return customers.reduce((total, row) => total.plus(row.totalCost), new Money(0));
}
