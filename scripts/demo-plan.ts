/**
 * The demo's day of calls, a fixed plan whose durations come from a seeded generator so every run
 * prints the same table. Also adds the planned calls to the Twilio stand-in and computes dates in
 * the account's time zone.
 */
import { Decimal } from 'decimal.js';
import { makeCallSid, makeRecordingSid, type TwilioStandin } from '../test/support/twilio-standin.js';
import { DemoError } from './demo-client.js';

// Sums of prices are exact: 40 significant digits cannot overflow a day of calls.
export const Money = Decimal.clone({ precision: 40 });
export type Money = Decimal;

export const TIME_ZONE = 'America/New_York';
export const CUSTOMER_NAMES = ['Acme Dental', 'Blue Harbor Realty', 'Cedar Law Group', 'Delta Logistics', 'Evergreen Clinic'];

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

export interface PlannedLeg {
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

export interface PlannedCall {
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

export function planCalls(day: string): PlannedCall[] {
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

export function addToStandin(twilio: TwilioStandin, accountSid: string, call: PlannedCall): void {
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
// Dates in the account's time zone.

export function dayIn(timeZone: string, instant: Date): string {
  // The en-CA locale formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

export function previousDay(day: string): string {
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
