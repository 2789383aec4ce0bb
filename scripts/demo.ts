/**
 * `npm run demo`: runs voice-billing end to end. It starts the service in this process on a
 * throwaway embedded database, serves one day of calls from a Twilio stand-in on loopback,
 * reports them through @servicestack/client, waits until they are rated, and prints GetBilling.
 * Every figure is checked against the prices the demo gave the stand-in; a mismatch exits 1.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type IReturn, JsonServiceClient } from '@servicestack/client';
import { Decimal } from 'decimal.js';
import { type App, createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import {
  makeAccountSid,
  makeAuthToken,
  makeCallSid,
  makeRecordingSid,
  startTwilioStandin,
  type TwilioStandin,
} from '../test/support/twilio-standin.js';

// Sums of prices are exact: 40 significant digits cannot overflow a day of calls.
const Money = Decimal.clone({ precision: 40 });
type Money = Decimal;

const TIME_ZONE = 'America/New_York';
const CUSTOMER_NAMES = ['Acme Dental', 'Blue Harbor Realty', 'Cedar Law Group', 'Delta Logistics', 'Evergreen Clinic'];
const LATE_PRICE_DELAY_MS = 3_000;
const PROGRESS_INTERVAL_MS = 250;
const RATING_TIMEOUT_MS = 45_000;

// ---------------------------------------------------------------------------------------------
// Request and response DTOs, written by hand as a ServiceStack client would have them.

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

class BillingCustomerInfo {
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

class NewAccount implements IReturn<IdResponse> {
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

class NewCustomer implements IReturn<IdResponse> {
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

class NewSession implements IReturn<IdResponse> {
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
class NewBillable implements IReturn<BillableInfo> {
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

class GetBillable implements IReturn<BillableInfo> {
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

class ListBillables implements IReturn<BillableList> {
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

class GetBilling implements IReturn<BillingInfo> {
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

function createClient(baseUrl: string, adminKey: string): JsonServiceClient {
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

async function send<T>(client: JsonServiceClient, request: IReturn<T>, operation: string): Promise<T> {
  try {
    return await client.send(request);
  } catch (error) {
    throw new DemoError(`${operation} failed: ${describeClientError(error)}`);
  }
}

class DemoError extends Error {}

// ---------------------------------------------------------------------------------------------
// The day of calls: a fixed plan, with durations from a seeded generator so every run prints
// the same table.

// Per-minute prices this demo gives the stand-in, in USD. Twilio's real rates differ.
const RATES = {
  domesticInbound: '0.0085',
  domesticOutbound: '0.0140',
  tollFreeInbound: '0.0220',
  internet: '0.0040',
  recording: '0.0025',
};

const ABROAD = [
  { country: 'GB', number: '+442079460958', rate: '0.0400' },
  { country: 'DE', number: '+493012345678', rate: '0.0450' },
  { country: 'JP', number: '+81312345678', rate: '0.1300' },
  // Canada shares the +1 calling code with the US but is still abroad.
  { country: 'CA', number: '+14168637000', rate: '0.0200' },
  { country: 'MX', number: '+525555550000', rate: '0.0500' },
  { country: 'AU', number: '+61293744000', rate: '0.0600' },
];

const DOMESTIC = ['+12125551234', '+13125550142', '+14155550199', '+16175550123', '+17185550133', '+13055550188', '+15125550100'];
const INTERNET = ['sip:alice@voip.example.com', 'sip:frontdesk@pbx.example.net', 'client:agent-7', 'client:reception'];

const KINDS = [
  'inbound domestic',
  'outbound domestic',
  'outbound international',
  'inbound international',
  'forwarded',
  'inbound SIP',
  'outbound to client',
  'inbound toll-free',
  'outbound unanswered',
  'forwarded',
  'outbound domestic',
] as const;
type CallKind = (typeof KINDS)[number];

interface PlannedLeg {
  sid: string;
  direction: 'inbound' | 'outbound-api' | 'outbound-dial';
  from: string;
  to: string;
  status: string;
  seconds: number;
  /** Twilio's charge as a positive amount, or null for a call that never connected. */
  charge: Money | null;
  /** The demo's own judgement, so the service's is checked rather than copied. */
  international: boolean;
}

interface PlannedRecording {
  sid: string;
  callSid: string;
  seconds: number;
  charge: Money;
}

interface PlannedCall {
  customerIndex: number;
  kind: CallKind;
  startTime: Date;
  /** The billed call first, then its child legs. */
  legs: PlannedLeg[];
  recordings: PlannedRecording[];
  /** Reported with a session (sessionId only) instead of accountId and customerId. */
  viaSession: boolean;
  /** The stand-in serves no price for this call until the demo sets it. */
  latePrice: boolean;
}

function seededRandom(seed: number): () => number {
  // mulberry32: small, fast and good enough to pick durations.
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function chargeFor(seconds: number, ratePerMinute: string): Money {
  return new Money(ratePerMinute).times(Math.ceil(seconds / 60));
}

function planCalls(day: string): PlannedCall[] {
  const random = seededRandom(20_261_204);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const seconds = () => 15 + Math.floor(random() * 900);
  const calls: PlannedCall[] = [];

  CUSTOMER_NAMES.forEach((_name, customerIndex) => {
    const ownNumber = `+1212555014${customerIndex}`;
    const tollFree = `+1800555010${customerIndex}`;
    const count = 8 + 2 * customerIndex;

    for (let index = 0; index < count; index++) {
      const kind = KINDS[(index + 2 * customerIndex) % KINDS.length] as CallKind;
      // Calls spread over 07:00 to 22:59 local time. The last call of each customer starts at
      // 23:5x, which is the next day in UTC, and must still count on this billing day.
      const minuteOfDay = index === count - 1 ? 23 * 60 + 50 + customerIndex : 7 * 60 + Math.floor(random() * 16 * 60);
      const startTime = zonedTimeToUtc(day, minuteOfDay * 60 + Math.floor(random() * 60), TIME_ZONE);
      const legs = planLegs(kind, ownNumber, tollFree, seconds, pick, random);
      const recordings: PlannedRecording[] = [];
      const billed = legs[0] as PlannedLeg;
      // Blue Harbor Realty records nothing, so the last column of the table shows both values.
      if (billed.charge !== null && customerIndex !== 1 && random() < 0.4) {
        // A forwarded call is recorded on its first child leg, the others on the billed call.
        const recorded = kind === 'forwarded' && legs.length > 1 ? (legs[1] as PlannedLeg) : billed;
        recordings.push({ sid: makeRecordingSid(), callSid: recorded.sid, seconds: recorded.seconds, charge: chargeFor(recorded.seconds, RATES.recording) });
      }
      calls.push({ customerIndex, kind, startTime, legs, recordings, viaSession: customerIndex === 4 && index < 4, latePrice: false });
    }
  });

  const late = calls.find((call) => call.customerIndex === 3 && call.kind === 'outbound international');
  if (!late) throw new DemoError(`the call plan has no outbound international call for ${CUSTOMER_NAMES[3]}; fix planCalls`);
  late.latePrice = true;
  return calls;
}

function planLegs(
  kind: CallKind,
  ownNumber: string,
  tollFree: string,
  seconds: () => number,
  pick: <T>(values: readonly T[]) => T,
  random: () => number,
): PlannedLeg[] {
  const leg = (direction: PlannedLeg['direction'], from: string, to: string, duration: number, rate: string, international: boolean): PlannedLeg => ({
    sid: makeCallSid(),
    direction,
    from,
    to,
    status: 'completed',
    seconds: duration,
    charge: chargeFor(duration, rate),
    international,
  });

  switch (kind) {
    case 'inbound domestic':
      return [leg('inbound', pick(DOMESTIC), ownNumber, seconds(), RATES.domesticInbound, false)];
    case 'outbound domestic':
      return [leg('outbound-api', ownNumber, pick(DOMESTIC), seconds(), RATES.domesticOutbound, false)];
    case 'outbound international': {
      const abroad = pick(ABROAD);
      return [leg('outbound-api', ownNumber, abroad.number, seconds(), abroad.rate, true)];
    }
    case 'inbound international': {
      const abroad = pick(ABROAD);
      // Twilio charges the inbound rate of the number called, wherever the caller is.
      return [leg('inbound', abroad.number, ownNumber, seconds(), RATES.domesticInbound, true)];
    }
    case 'inbound SIP':
      return [leg('inbound', pick(INTERNET.slice(0, 2)), ownNumber, seconds(), RATES.internet, false)];
    case 'outbound to client':
      return [leg('outbound-api', ownNumber, pick(INTERNET.slice(2)), seconds(), RATES.internet, false)];
    case 'inbound toll-free':
      return [leg('inbound', pick(DOMESTIC), tollFree, seconds(), RATES.tollFreeInbound, false)];
    case 'outbound unanswered':
      // A call that never connected has no duration, and Twilio leaves its price empty.
      return [{ ...leg('outbound-api', ownNumber, pick(DOMESTIC), 0, RATES.domesticOutbound, false), status: random() < 0.5 ? 'no-answer' : 'busy', charge: null }];
    case 'forwarded': {
      const parent = leg('inbound', pick(DOMESTIC), ownNumber, seconds(), RATES.domesticInbound, false);
      const children: PlannedLeg[] = [];
      const count = 1 + Math.floor(random() * 3);
      for (let index = 0; index < count; index++) {
        const duration = Math.max(5, Math.floor(parent.seconds * (0.3 + random() * 0.6)));
        const target = random();
        if (target < 0.4) children.push(leg('outbound-dial', ownNumber, pick(DOMESTIC), duration, RATES.domesticOutbound, false));
        else if (target < 0.7) {
          const abroad = pick(ABROAD);
          children.push(leg('outbound-dial', ownNumber, abroad.number, duration, abroad.rate, true));
        } else children.push(leg('outbound-dial', ownNumber, pick(INTERNET), duration, RATES.internet, false));
      }
      return [parent, ...children];
    }
  }
}

function addToStandin(twilio: TwilioStandin, accountSid: string, call: PlannedCall): void {
  const [billed, ...children] = call.legs;
  if (!billed) throw new DemoError('a planned call has no legs');
  const asTwilioPrice = (charge: Money | null) => (charge === null ? null : charge.negated().toFixed(5));

  twilio.addCall({
    sid: billed.sid,
    accountSid,
    from: billed.from,
    to: billed.to,
    direction: billed.direction,
    status: billed.status,
    startTime: call.startTime,
    durationSeconds: billed.seconds,
    price: call.latePrice ? null : asTwilioPrice(billed.charge),
  });
  children.forEach((child, index) => {
    twilio.addCall({
      sid: child.sid,
      parentCallSid: billed.sid,
      accountSid,
      from: child.from,
      to: child.to,
      direction: child.direction,
      status: child.status,
      startTime: new Date(call.startTime.getTime() + (index + 1) * 4_000),
      durationSeconds: child.seconds,
      price: asTwilioPrice(child.charge),
    });
  });
  for (const recording of call.recordings) {
    twilio.addRecording({ sid: recording.sid, callSid: recording.callSid, accountSid, durationSeconds: recording.seconds, price: recording.charge.negated().toFixed(5) });
  }
}

// ---------------------------------------------------------------------------------------------
// Expected figures, worked out from the plan alone.

interface CustomerFigures {
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

function expectedFigures(calls: readonly PlannedCall[], failedPerCustomer: readonly number[]): CustomerFigures[] {
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
function sumOfStandinPrices(calls: readonly PlannedCall[]): Money {
  let total = new Money(0);
  for (const call of calls) {
    for (const leg of call.legs) total = total.plus(leg.charge ?? 0);
    for (const recording of call.recordings) total = total.plus(recording.charge);
  }
  return total;
}

function compareFigures(name: string, actual: BillingCustomerInfo, expected: CustomerFigures): string[] {
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
// Dates in the account's time zone.

function dayIn(timeZone: string, instant: Date): string {
  // The en-CA locale formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** Returns the instant at which the clocks of `timeZone` show `day` plus `secondOfDay`. */
function zonedTimeToUtc(day: string, secondOfDay: number, timeZone: string): Date {
  const wallClock = Date.parse(`${day}T00:00:00Z`) + secondOfDay * 1000;
  let instant = wallClock;
  // Two rounds settle the offset, also when the first guess lands across a DST change.
  for (let round = 0; round < 2; round++) instant = wallClock - zoneOffsetMs(instant, timeZone);
  return new Date(instant);
}

function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const part = (type: string) => Number(parts.find((candidate) => candidate.type === type)?.value);
  const wallClock = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wallClock - Math.floor(instant / 1000) * 1000;
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

function billingTable(customers: readonly BillingCustomerInfo[]): string {
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

function sumTotals(customers: readonly BillingCustomerInfo[]): Money {
  return customers.reduce((total, row) => total.plus(row.totalCost), new Money(0));
}

/**
 * Prints a status line that rewrites itself on a terminal. Elsewhere (a pipe, a CI log) it prints
 * a new line only when `state` changes, so a log does not fill with identical lines.
 */
function createProgressLine(): { update(text: string, state?: string): void; finish(): void } {
  let last = '';
  let lastState: string | undefined;
  return {
    update(text, state = text) {
      if (process.stdout.isTTY) process.stdout.write(`\r${text.padEnd(last.length)}`);
      else if (state !== lastState) process.stdout.write(`${text}\n`);
      last = text;
      lastState = state;
    },
    finish() {
      if (process.stdout.isTTY && last !== '') process.stdout.write('\n');
      last = '';
    },
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * Polls GetBilling until every billable is Rated or Failed, printing the counts. After
 * LATE_PRICE_DELAY_MS it checks that the late-priced call is still Pending and sets its price in
 * the stand-in. Returns the problems found; throws when rating takes longer than RATING_TIMEOUT_MS.
 */
async function waitUntilRated(
  client: JsonServiceClient,
  twilio: TwilioStandin,
  range: { accountId: string; startDate: string; endDate: string },
  billableCount: number,
  late: PlannedCall,
  lateBillableId: string,
): Promise<string[]> {
  const problems: string[] = [];
  const lateLeg = late.legs[0] as PlannedLeg;
  const progress = createProgressLine();
  const started = Date.now();
  let latePriceSet = false;

  for (;;) {
    const elapsed = Date.now() - started;
    if (!latePriceSet && elapsed >= LATE_PRICE_DELAY_MS) {
      const before = await send(client, new GetBillable({ billableId: lateBillableId }), 'GetBillable');
      progress.update(`late-priced call ${lateLeg.sid}: ${before.status} (${before.failureReason ?? 'no reason given'})`);
      progress.finish();
      if (before.status !== 'Pending') problems.push(`the late-priced billable was ${before.status} before its price existed, expected Pending`);
      twilio.updateCall(lateLeg.sid, { price: lateLeg.charge?.negated().toFixed(5) ?? null });
      console.log(`Set its price in the stand-in after ${(elapsed / 1000).toFixed(1)} s.`);
      latePriceSet = true;
    }

    const billing = await send(client, new GetBilling(range), 'GetBilling');
    const rated = billing.customers.reduce((total, row) => total + row.billableCount, 0);
    const pending = billing.customers.reduce((total, row) => total + row.pendingCount, 0);
    const failed = billing.customers.reduce((total, row) => total + row.failedCount, 0);
    progress.update(`rating: ${rated} rated, ${pending} pending, ${failed} failed of ${billableCount} (${(elapsed / 1000).toFixed(1)} s)`, `${rated}/${pending}/${failed}`);
    if (latePriceSet && pending === 0 && rated + failed === billableCount) break;
    if (elapsed > RATING_TIMEOUT_MS) {
      progress.finish();
      throw new DemoError(`billables were still pending after ${RATING_TIMEOUT_MS / 1000} s: ${rated} rated, ${pending} pending, ${failed} failed`);
    }
    await new Promise((resolve) => setTimeout(resolve, PROGRESS_INTERVAL_MS));
  }
  progress.finish();
  return problems;
}

async function runDemo(twilio: TwilioStandin, baseUrl: string, adminKey: string): Promise<string[]> {
  const client = createClient(baseUrl, adminKey);
  const today = dayIn(TIME_ZONE, new Date());
  const callDay = previousDay(today);

  // 1. Account and customers.
  const twilioAccountSid = makeAccountSid();
  const twilioAuthToken = makeAuthToken();
  twilio.addAccount(twilioAccountSid, twilioAuthToken);
  const account = await send(client, new NewAccount({ name: 'Demo voice platform', twilioAccountSid, twilioAuthToken, countryCode: 'US', timeZone: TIME_ZONE }), 'NewAccount');
  const customerIds: string[] = [];
  for (const name of CUSTOMER_NAMES) {
    customerIds.push((await send(client, new NewCustomer({ accountId: account.id, name }), `NewCustomer ${name}`)).id);
  }

  // 2. The day of calls, in the stand-in.
  const calls = planCalls(callDay);
  for (const call of calls) addToStandin(twilio, twilioAccountSid, call);
  const legCount = calls.reduce((total, call) => total + call.legs.length, 0);
  const recordingCount = calls.reduce((total, call) => total + call.recordings.length, 0);
  console.log(
    `Billing day ${callDay} (${TIME_ZONE}): ${calls.length} calls with ${legCount} legs and ${recordingCount} recordings ` +
      `for ${CUSTOMER_NAMES.length} customers, served by a Twilio stand-in at ${twilio.url}.`,
  );

  // 3. Report every call as a billable, as a platform would once each call ends.
  const billableIdBySid = new Map<string, string>();
  for (const call of calls) {
    const callSid = (call.legs[0] as PlannedLeg).sid;
    const customerId = customerIds[call.customerIndex] as string;
    let request: NewBillable;
    if (call.viaSession) {
      const session = await send(client, new NewSession({ accountId: account.id, customerId, callSid, fromAddress: call.legs[0]?.from, toAddress: call.legs[0]?.to }), 'NewSession');
      request = new NewBillable({ sessionId: session.id });
    } else {
      request = new NewBillable({ accountId: account.id, customerId, callSid });
    }
    const billable = await send(client, request, `NewBillable ${callSid}`);
    billableIdBySid.set(callSid, billable.id);
  }

  // A platform that retries reports the same call again; it must get the same billable back.
  const problems: string[] = [];
  const repeated = calls.find((call) => !call.viaSession) as PlannedCall;
  const repeatedSid = (repeated.legs[0] as PlannedLeg).sid;
  const again = await send(client, new NewBillable({ accountId: account.id, customerId: customerIds[repeated.customerIndex], callSid: repeatedSid }), 'repeated NewBillable');
  if (again.id !== billableIdBySid.get(repeatedSid)) problems.push(`reporting call ${repeatedSid} twice created a second billable ${again.id}`);

  // A call SID that Twilio does not know: its billable must fail with "call not found".
  const unknownSid = makeCallSid();
  const unknownCustomer = 0;
  await send(client, new NewBillable({ accountId: account.id, customerId: customerIds[unknownCustomer], callSid: unknownSid }), 'NewBillable for the unknown call');
  const billableCount = calls.length + 1;
  console.log(`Reported ${billableCount} billables through JsonServiceClient (${calls.filter((call) => call.viaSession).length} by session), plus one repeat.`);

  // 4. Wait for the worker, showing progress. The late-priced call stays Pending until its price is set.
  const late = calls.find((call) => call.latePrice) as PlannedCall;
  const lateSid = (late.legs[0] as PlannedLeg).sid;
  const lateBillableId = billableIdBySid.get(lateSid) as string;
  const range = { accountId: account.id, startDate: callDay, endDate: today };
  problems.push(...(await waitUntilRated(client, twilio, range, billableCount, late, lateBillableId)));

  // 5. The bill.
  const billing = await send(client, new GetBilling(range), 'GetBilling');
  console.log(`\nGetBilling ${callDay} to ${today} (${TIME_ZONE}; the range includes today, when the billables were reported):\n`);
  console.log(billingTable(billing.customers));

  const failedList = await send(client, new ListBillables({ accountId: account.id, status: 'Failed', countPerPage: 100 }), 'ListBillables');
  console.log('\nFailed billables:');
  for (const billable of failedList.items) {
    const name = CUSTOMER_NAMES[customerIds.indexOf(billable.customerId)] ?? billable.customerId;
    console.log(`  ${billable.callSid}  ${name}: ${billable.failureReason ?? '(no reason)'}`);
  }

  // 6. Checks against the plan.
  const failedPerCustomer = CUSTOMER_NAMES.map((_name, index) => (index === unknownCustomer ? 1 : 0));
  const expected = expectedFigures(calls, failedPerCustomer);
  for (const [index, customerId] of customerIds.entries()) {
    const row = billing.customers.find((candidate) => candidate.customerId === customerId);
    const name = CUSTOMER_NAMES[index] as string;
    if (!row) problems.push(`GetBilling has no row for ${name}`);
    else problems.push(...compareFigures(name, row, expected[index] as CustomerFigures));
  }

  const pricesGiven = sumOfStandinPrices(calls);
  const billed = sumTotals(billing.customers);
  if (!billed.equals(pricesGiven)) problems.push(`GetBilling totals ${billed.toFixed()} but the stand-in's prices sum to ${pricesGiven.toFixed()}`);

  // Every call is on the previous day in New York, the 23:5x ones too, so that day alone has every charge.
  const oneDay = await send(client, new GetBilling({ accountId: account.id, startDate: callDay, endDate: callDay }), 'GetBilling for one day');
  const oneDayTotal = sumTotals(oneDay.customers);
  if (!oneDayTotal.equals(pricesGiven)) problems.push(`GetBilling for ${callDay} alone totals ${oneDayTotal.toFixed()}, expected ${pricesGiven.toFixed()}`);

  if (failedList.totalCount !== 1 || failedList.items[0]?.callSid !== unknownSid) {
    problems.push(`expected exactly one Failed billable, for ${unknownSid}; found ${failedList.items.map((item) => item.callSid).join(', ') || 'none'}`);
  } else if (!/not found/i.test(failedList.items[0]?.failureReason ?? '')) {
    problems.push(`the unknown call failed with '${failedList.items[0]?.failureReason}', expected a "call not found" reason`);
  }

  const lateAfter = await send(client, new GetBillable({ billableId: lateBillableId }), 'GetBillable');
  if (lateAfter.status !== 'Rated' || lateAfter.attempts < 2) {
    problems.push(`the late-priced billable is ${lateAfter.status} after ${lateAfter.attempts} attempts, expected Rated after 2 or more`);
  }
  if (twilio.schemaErrors.length > 0) problems.push(`the stand-in sent bodies that break Twilio's schemas: ${twilio.schemaErrors.join('; ')}`);
  if (twilio.serverErrors.length > 0) problems.push(`the stand-in failed on requests: ${twilio.serverErrors.join('; ')}`);

  console.log(
    `\nTotal billed ${billed.toFixed()} USD = the exact sum of the ${legCount} leg and ${recordingCount} recording prices given to the stand-in: ` +
      `${billed.equals(pricesGiven) ? 'yes' : 'no'}.`,
  );
  return problems;
}

async function main(): Promise<number> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'voice-billing-demo-'));
  const adminKey = `demo-admin-${randomBytes(16).toString('hex')}`;
  // The service logs at warn level into memory; the log is shown only when the demo fails.
  const logLines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk).trimEnd());
      done();
    },
  });

  let twilio: TwilioStandin | undefined;
  let app: App | undefined;
  // Ctrl-C stops the service and removes the temporary database before exiting.
  process.once('SIGINT', () => {
    console.error('\nInterrupted; removing the temporary database.');
    void shutDown(app, twilio, dataDir).finally(() => process.exit(130));
  });
  try {
    twilio = await startTwilioStandin();
    const config = {
      // Empty environment: the demo always runs on its own embedded database, whatever is set.
      ...loadConfig([], {}),
      port: 0,
      host: '127.0.0.1',
      dataDir,
      adminApiKey: adminKey,
      twilioApiBaseUrl: twilio.url,
      twilioTimeoutMs: 2_000,
      logLevel: 'warn',
      workerPollMs: 100,
      // Short retries, so the late-priced call is rated within a second of getting its price.
      ratingMaxAttempts: 40,
      ratingRetryBaseMs: 250,
      ratingRetryMaxMs: 1_000,
    };
    app = await createApp(config, createLogger(config.logLevel, logStream));
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    await app.ensureAdministratorKey();
    app.worker?.start();
    const address = app.server.server.address();
    if (address === null || typeof address === 'string') throw new DemoError('the service did not report a TCP port');
    const baseUrl = `http://127.0.0.1:${address.port}`;
    console.log(`voice-billing ${app.db.engine} at ${baseUrl}, data in ${dataDir} (deleted at the end).`);

    const problems = await runDemo(twilio, baseUrl, adminKey);
    if (problems.length > 0) {
      console.error(`\nDemo failed: ${problems.length} check(s) did not pass:`);
      for (const problem of problems) console.error(`  - ${problem}`);
      printLog(logLines);
      return 1;
    }
    console.log('All checks passed.');
    return 0;
  } catch (error) {
    // A DemoError message is complete; anything else is a bug, so its stack is shown.
    let message = String(error);
    if (error instanceof DemoError) message = error.message;
    else if (error instanceof Error) message = error.stack ?? error.message;
    console.error(`\nDemo failed: ${message}`);
    printLog(logLines);
    return 1;
  } finally {
    await shutDown(app, twilio, dataDir);
  }
}

async function shutDown(app: App | undefined, twilio: TwilioStandin | undefined, dataDir: string): Promise<void> {
  await app?.close().catch((error: unknown) => console.error(`closing the service failed: ${String(error)}`));
  await twilio?.close().catch((error: unknown) => console.error(`closing the Twilio stand-in failed: ${String(error)}`));
  await rm(dataDir, { recursive: true, force: true });
}

function printLog(lines: readonly string[]): void {
  if (lines.length === 0) return;
  console.error(`\nService log (warn and above, ${lines.length} lines):`);
  for (const line of lines.slice(-40)) console.error(`  ${line}`);
}

process.exitCode = await main();
