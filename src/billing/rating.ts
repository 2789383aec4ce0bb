import type { TwilioCall, TwilioRecording } from '../twilio/client.js';
import { chargeFromTwilioPrice, type Money, sum, ZERO } from './money.js';
import { isInternationalAddress } from './international.js';

/** Call statuses after which Twilio no longer changes the call. */
export const TERMINAL_CALL_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);
// Twilio charges nothing for calls that never connected and may leave their price empty for good.
const UNCONNECTED_CALL_STATUSES = new Set(['busy', 'failed', 'no-answer', 'canceled']);
// Recordings that will never have a price, so an empty price means no charge.
const UNPRICED_RECORDING_STATUSES = new Set(['absent', 'deleted', 'failed']);

export interface RatedLeg {
  callSid: string;
  parentCallSid: string | null;
  direction: 'inbound' | 'outbound';
  fromAddress: string | null;
  toAddress: string | null;
  durationSeconds: number;
  minutes: number;
  cost: Money;
  isInternational: boolean;
}

export interface RatedRecording {
  recordingSid: string;
  callSid: string;
  durationSeconds: number;
  cost: Money;
}

export interface Rating {
  callStatus: string;
  startTime: Date;
  direction: 'inbound' | 'outbound';
  durationSeconds: number;
  inboundMinutes: number;
  outboundMinutes: number;
  callCost: Money;
  recordingCost: Money;
  totalCost: Money;
  internationalCost: Money;
  currency: string;
  isInternational: boolean;
  hasCallRecording: boolean;
  legs: RatedLeg[];
  recordings: RatedRecording[];
}

export type RatingOutcome =
  | { kind: 'Rated'; rating: Rating }
  /** Twilio has not finished with the call: try again later. */
  | { kind: 'NotReady'; reason: string }
  /** The call can never be rated as it is. */
  | { kind: 'Unratable'; reason: string };

export interface RatingInput {
  call: TwilioCall;
  childCalls: readonly TwilioCall[];
  recordings: readonly TwilioRecording[];
  account: { countryCode: string; currency: string };
  /** When the billable was reported; the billing time of a call that never started. */
  reportedAt: Date;
}

/** Twilio's directions: inbound, outbound-api, outbound-dial, trunking-originating, trunking-terminating. */
export function legDirection(twilioDirection: string | null): 'inbound' | 'outbound' {
  if (twilioDirection === null) return 'outbound';
  return twilioDirection.startsWith('inbound') || twilioDirection === 'trunking-originating' ? 'inbound' : 'outbound';
}

/** Rates a call and its child legs and recordings from what Twilio charged, exactly. */
export function rateCall(input: RatingInput): RatingOutcome {
  const { call, account } = input;
  if (call.parentCallSid !== null) {
    // Its parent's billable already includes this leg, so billing it alone would charge it twice.
    return { kind: 'Unratable', reason: `call ${call.sid} is a child leg of ${call.parentCallSid}; report the parent call, which is billed with its legs` };
  }
  const legCalls = [call, ...childLegsOf(call.sid, input.childCalls)];

  for (const leg of legCalls) {
    const notReady = legNotReady(leg, leg === call);
    if (notReady) return { kind: 'NotReady', reason: notReady };
  }
  for (const recording of input.recordings) {
    if (recording.price === null && !UNPRICED_RECORDING_STATUSES.has(recording.status ?? '')) {
      return { kind: 'NotReady', reason: `recording ${recording.sid} has no price yet (status ${recording.status ?? 'unknown'})` };
    }
  }

  const currencies = new Set(
    [...legCalls.map((leg) => leg.priceUnit), ...input.recordings.map((recording) => recording.priceUnit)]
      .filter((unit): unit is string => unit !== null && unit !== '')
      .map((unit) => unit.toUpperCase()),
  );
  const foreign = [...currencies].filter((unit) => unit !== account.currency);
  if (foreign.length > 0) {
    return { kind: 'Unratable', reason: `Twilio priced the call in ${foreign.join(', ')} but the account bills in ${account.currency}` };
  }

  const legs = legCalls.map((leg) => rateLeg(leg, account.countryCode));
  const recordings = uniqueBySid(input.recordings).map(rateRecording);
  const callCost = sum(legs.map((leg) => leg.cost));
  const recordingCost = sum(recordings.map((recording) => recording.cost));
  const internationalLegs = legs.filter((leg) => leg.isInternational);

  return {
    kind: 'Rated',
    rating: {
      callStatus: call.status,
      startTime: call.startTime ?? call.endTime ?? input.reportedAt,
      direction: legDirection(call.direction),
      durationSeconds: call.durationSeconds ?? 0,
      inboundMinutes: legs.filter((leg) => leg.direction === 'inbound').reduce((total, leg) => total + leg.minutes, 0),
      outboundMinutes: legs.filter((leg) => leg.direction === 'outbound').reduce((total, leg) => total + leg.minutes, 0),
      callCost,
      recordingCost,
      totalCost: callCost.plus(recordingCost),
      internationalCost: sum(internationalLegs.map((leg) => leg.cost)),
      currency: account.currency,
      isInternational: internationalLegs.length > 0,
      hasCallRecording: recordings.length > 0,
      legs,
      recordings,
    },
  };
}

/** Keeps each child leg once, and only legs whose parent_call_sid is the billed call. */
function childLegsOf(parentSid: string, childCalls: readonly TwilioCall[]): TwilioCall[] {
  const seen = new Set<string>([parentSid]);
  const legs: TwilioCall[] = [];
  for (const child of childCalls) {
    if (child.parentCallSid !== parentSid || seen.has(child.sid)) continue;
    seen.add(child.sid);
    legs.push(child);
  }
  return legs;
}

function legNotReady(leg: TwilioCall, isBilledCall: boolean): string | null {
  const name = isBilledCall ? `call ${leg.sid}` : `child leg ${leg.sid}`;
  if (!TERMINAL_CALL_STATUSES.has(leg.status)) return `${name} is still ${leg.status}`;
  if (leg.price === null && !UNCONNECTED_CALL_STATUSES.has(leg.status)) return `${name} has no price yet`;
  return null;
}

function rateLeg(leg: TwilioCall, homeCountry: string): RatedLeg {
  const direction = legDirection(leg.direction);
  const remote = direction === 'outbound' ? leg.to : leg.from;
  const durationSeconds = leg.durationSeconds ?? 0;
  return {
    callSid: leg.sid,
    parentCallSid: leg.parentCallSid,
    direction,
    fromAddress: leg.from,
    toAddress: leg.to,
    durationSeconds,
    minutes: Math.ceil(durationSeconds / 60),
    cost: leg.price === null ? ZERO : chargeFromTwilioPrice(leg.price),
    isInternational: isInternationalAddress(remote, homeCountry),
  };
}

function rateRecording(recording: TwilioRecording): RatedRecording {
  return {
    recordingSid: recording.sid,
    callSid: recording.callSid,
    durationSeconds: recording.durationSeconds ?? 0,
    cost: recording.price === null ? ZERO : chargeFromTwilioPrice(recording.price),
  };
}

function uniqueBySid(recordings: readonly TwilioRecording[]): TwilioRecording[] {
  const bySid = new Map(recordings.map((recording) => [recording.sid, recording]));
  return [...bySid.values()];
}
