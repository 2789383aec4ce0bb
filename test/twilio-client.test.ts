import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { TwilioClient, TwilioError, type TwilioClientOptions, type TwilioCredentials } from '../src/twilio/client.js';
import { formatRfc2822Date, parseRfc2822Date } from '../src/twilio/rfc2822.js';
import { computeBackoffDelay, parseRetryAfter } from '../src/twilio/retry.js';
import {
  makeAccountSid,
  makeAuthToken,
  makeCallSid,
  makeRecordingSid,
  startTwilioStandin,
  type StandinCall,
  type TwilioStandin,
  type TwilioStandinOptions,
} from './support/twilio-standin.js';

const openStandins: TwilioStandin[] = [];

afterEach(async () => {
  const standins = openStandins.splice(0);
  for (const standin of standins) {
    await standin.close();
  }
  for (const standin of standins) {
    expect(standin.schemaErrors).toEqual([]);
    expect(standin.serverErrors).toEqual([]);
  }
});

async function startStandin(options: TwilioStandinOptions = {}): Promise<TwilioStandin> {
  const standin = await startTwilioStandin(options);
  openStandins.push(standin);
  return standin;
}

function addAccount(standin: TwilioStandin): TwilioCredentials {
  const credentials = { accountSid: makeAccountSid(), authToken: makeAuthToken() };
  standin.addAccount(credentials.accountSid, credentials.authToken);
  return credentials;
}

// Tests must reach only their own stand-in, whatever a response contains.
function standinOnlyFetch(standin: TwilioStandin): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(`${standin.url}/`)) {
      throw new Error(`Test fetch refused a request to ${url}, which is not the stand-in`);
    }
    return fetch(input, init);
  };
}

function makeClient(standin: TwilioStandin, options: TwilioClientOptions = {}): TwilioClient {
  return new TwilioClient({
    baseUrl: standin.url,
    retryBaseMs: 1,
    maxRetryDelayMs: 20,
    timeoutMs: 2_000,
    fetch: standinOnlyFetch(standin),
    ...options,
  });
}

function makeCall(credentials: TwilioCredentials, overrides: Partial<StandinCall> = {}): StandinCall {
  return {
    sid: makeCallSid(),
    parentCallSid: null,
    accountSid: credentials.accountSid,
    from: '+13051416799',
    to: '+442071838750',
    direction: 'outbound-api',
    status: 'completed',
    startTime: new Date(Date.UTC(2019, 9, 18, 17, 2, 0)),
    durationSeconds: 65,
    price: '-0.0130',
    ...overrides,
  };
}

async function captureError(promise: Promise<unknown>): Promise<TwilioError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TwilioError) {
      return error;
    }
    throw error;
  }
  throw new Error('Expected the promise to reject with a TwilioError, but it resolved');
}

function memoryLogger(): { logger: Logger; output: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), output: () => chunks.join('') };
}

function pathsMatching(standin: TwilioStandin, pattern: RegExp): string[] {
  return standin.requests.map((request) => request.path).filter((path) => pattern.test(path));
}

describe('TwilioClient.fetchCall', () => {
  it('maps a completed call', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const call = makeCall(credentials);
    standin.addCall(call);

    const fetched = await makeClient(standin).fetchCall(credentials, call.sid);

    expect(fetched.sid).toBe(call.sid);
    expect(fetched.accountSid).toBe(credentials.accountSid);
    expect(fetched.parentCallSid).toBeNull();
    expect(fetched.from).toBe('+13051416799');
    expect(fetched.to).toBe('+442071838750');
    expect(fetched.status).toBe('completed');
    expect(fetched.direction).toBe('outbound-api');
    expect(fetched.price).toBe('-0.0130');
    expect(fetched.priceUnit).toBe('USD');
    expect(fetched.durationSeconds).toBe(65);
    expect(fetched.startTime?.toISOString()).toBe('2019-10-18T17:02:00.000Z');
    expect(fetched.endTime?.toISOString()).toBe('2019-10-18T17:03:05.000Z');
    expect(standin.requests).toEqual([
      {
        method: 'GET',
        path: `/2010-04-01/Accounts/${credentials.accountSid}/Calls/${call.sid}.json`,
        accountSid: credentials.accountSid,
        status: 200,
      },
    ]);
  });

  it('preserves price strings exactly', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const client = makeClient(standin);

    for (const price of ['-0.0130', '-1.50000', '0', '-12.3456789', '-0.200']) {
      const call = makeCall(credentials, { price });
      standin.addCall(call);
      const fetched = await client.fetchCall(credentials, call.sid);
      expect(fetched.price).toBe(price);
    }
  });

  it('maps an unfinished call to nulls', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const call = makeCall(credentials, { status: 'in-progress', durationSeconds: null, price: null });
    standin.addCall(call);

    const fetched = await makeClient(standin).fetchCall(credentials, call.sid);

    expect(fetched.status).toBe('in-progress');
    expect(fetched.price).toBeNull();
    expect(fetched.durationSeconds).toBeNull();
    expect(fetched.endTime).toBeNull();
    expect(fetched.startTime?.toISOString()).toBe('2019-10-18T17:02:00.000Z');
  });

  it('maps 404 to NotFound without retry', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);

    const error = await captureError(makeClient(standin).fetchCall(credentials, makeCallSid()));

    expect(error.kind).toBe('NotFound');
    expect(error.status).toBe(404);
    expect(error.code).toBe(20404);
    expect(standin.requests).toHaveLength(1);
  });

  it('hides calls of other accounts', async () => {
    const standin = await startStandin();
    const owner = addAccount(standin);
    const other = addAccount(standin);
    const call = makeCall(owner);
    standin.addCall(call);

    const error = await captureError(makeClient(standin).fetchCall(other, call.sid));

    expect(error.kind).toBe('NotFound');
  });

  it('wrong token fails without retry', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const call = makeCall(credentials);
    standin.addCall(call);

    const wrong = { accountSid: credentials.accountSid, authToken: makeAuthToken() };
    const error = await captureError(makeClient(standin, { maxAttempts: 4 }).fetchCall(wrong, call.sid));

    expect(error.kind).toBe('AuthenticationFailed');
    expect(error.status).toBe(401);
    expect(error.code).toBe(20003);
    expect(standin.requests).toHaveLength(1);
  });

  it('rejects invalid SIDs before any request', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const client = makeClient(standin);
    const validCallSid = makeCallSid();

    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['short call SID', () => client.fetchCall(credentials, 'CA123')],
      ['path traversal', () => client.fetchCall(credentials, '../../Accounts/x')],
      ['suffix after SID', () => client.fetchCall(credentials, `${validCallSid}/Recordings`)],
      ['query in SID', () => client.fetchCall(credentials, `${validCallSid}?x=1`)],
      ['empty call SID', () => client.fetchCall(credentials, '')],
      ['recording SID as call SID', () => client.fetchCall(credentials, makeRecordingSid())],
      ['bad parent SID', () => client.listChildCalls(credentials, 'CA%2e%2e')],
      ['bad recordings call SID', () => client.listRecordings(credentials, `${validCallSid} `)],
      ['bad account SID', () => client.fetchCall({ ...credentials, accountSid: 'AC../..' }, validCallSid)],
      ['call SID as account SID', () => client.fetchCall({ ...credentials, accountSid: validCallSid }, validCallSid)],
      ['empty auth token', () => client.fetchCall({ ...credentials, authToken: '' }, validCallSid)],
    ];
    for (const [label, attempt] of attempts) {
      const error = await captureError(attempt());
      expect(error.kind, label).toBe('InvalidArgument');
    }
    expect(standin.requests).toEqual([]);
  });
});

describe('TwilioClient response validation', () => {
  it('rejects malformed or incomplete call bodies', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const client = makeClient(standin);
    const callSid = makeCallSid();
    const valid = { sid: callSid, account_sid: credentials.accountSid, status: 'completed' };

    const bodies: Array<[string, string]> = [
      ['truncated JSON', '{"sid": '],
      ['HTML error page', '<html>Bad gateway</html>'],
      ['JSON array', '[]'],
      ['missing sid', JSON.stringify({ ...valid, sid: undefined })],
      ['missing status', JSON.stringify({ ...valid, status: undefined })],
      ['different call', JSON.stringify({ ...valid, sid: makeCallSid() })],
      ['different account', JSON.stringify({ ...valid, account_sid: makeAccountSid() })],
      ['fractional duration', JSON.stringify({ ...valid, duration: '12.5' })],
      ['price as float', JSON.stringify({ ...valid, price: -0.013 })],
      ['price not a decimal', JSON.stringify({ ...valid, price: 'free' })],
      ['ISO start time', JSON.stringify({ ...valid, start_time: '2019-10-18T17:02:00Z' })],
      ['wrong day name', JSON.stringify({ ...valid, start_time: 'Mon, 18 Oct 2019 17:02:00 +0000' })],
    ];
    for (const [label, body] of bodies) {
      standin.failNext({}, { status: 200, body });
      const error = await captureError(client.fetchCall(credentials, callSid));
      expect(error.kind, label).toBe('InvalidResponse');
    }
    expect(standin.requests).toHaveLength(bodies.length);
  });

  it('accepts a minimal call body', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const callSid = makeCallSid();
    const body = { sid: callSid, account_sid: credentials.accountSid, status: 'queued', duration: '', price: '' };
    standin.failNext({}, { status: 200, body: JSON.stringify(body) });

    const fetched = await makeClient(standin).fetchCall(credentials, callSid);

    expect(fetched.status).toBe('queued');
    expect(fetched.durationSeconds).toBeNull();
    expect(fetched.price).toBeNull();
    expect(fetched.to).toBeNull();
    expect(fetched.startTime).toBeNull();
  });
});

describe('TwilioClient.listChildCalls', () => {
  it('follows next_page_uri across pages', async () => {
    const standin = await startStandin({ pageSize: 2 });
    const credentials = addAccount(standin);
    const otherAccount = addAccount(standin);
    const parent = makeCall(credentials, { direction: 'inbound' });
    const otherParent = makeCall(credentials, { direction: 'inbound' });
    standin.addCall(parent);
    standin.addCall(otherParent);

    const children = [0, 1, 2, 3, 4].map((index) =>
      makeCall(credentials, {
        parentCallSid: parent.sid,
        direction: 'outbound-dial',
        startTime: new Date(Date.UTC(2019, 9, 18, 17, 2, index)),
        price: `-0.01${index}0`,
      }),
    );
    children.forEach((child) => standin.addCall(child));
    standin.addCall(makeCall(credentials, { parentCallSid: otherParent.sid, direction: 'outbound-dial' }));
    standin.addCall(makeCall(otherAccount, { parentCallSid: parent.sid, direction: 'outbound-dial' }));

    const listed = await makeClient(standin).listChildCalls(credentials, parent.sid);

    expect(listed.map((call) => call.sid).sort()).toEqual(children.map((child) => child.sid).sort());
    for (const child of children) {
      const match = listed.find((call) => call.sid === child.sid);
      expect(match?.parentCallSid).toBe(parent.sid);
      expect(match?.price).toBe(child.price);
      expect(match?.direction).toBe('outbound-dial');
    }
    const pages = pathsMatching(standin, /\/Calls\.json\?/);
    expect(pages).toHaveLength(3);
    for (const page of pages) {
      expect(page).toContain(`ParentCallSid=${parent.sid}`);
    }
  });

  it('returns an empty list for a call without legs', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);

    const listed = await makeClient(standin).listChildCalls(credentials, makeCallSid());

    expect(listed).toEqual([]);
    expect(standin.requests).toHaveLength(1);
  });

  it('lists each call once when pages shift', async () => {
    const standin = await startStandin({ pageSize: 2 });
    const credentials = addAccount(standin);
    const parent = makeCall(credentials);
    standin.addCall(parent);
    const children = [1, 2, 3, 4].map((minute) =>
      makeCall(credentials, { parentCallSid: parent.sid, startTime: new Date(Date.UTC(2019, 9, 18, 17, minute)) }),
    );
    children.forEach((child) => standin.addCall(child));

    // A newer call that appears between pages pushes the last call of page 0 onto page 1.
    const lateChild = makeCall(credentials, { parentCallSid: parent.sid, startTime: new Date(Date.UTC(2019, 9, 18, 18, 0)) });
    standin.onRequest((request) => {
      if (request.path.includes('Page=1')) {
        standin.onRequest(null);
        standin.addCall(lateChild);
      }
    });

    const listed = await makeClient(standin).listChildCalls(credentials, parent.sid);

    const sids = listed.map((call) => call.sid);
    expect(new Set(sids).size).toBe(sids.length);
    expect(sids.sort()).toEqual(children.map((child) => child.sid).sort());
    expect(pathsMatching(standin, /\/Calls\.json\?/)).toHaveLength(3);
  });

  it('stops when a page repeats', async () => {
    const standin = await startStandin({ pageSize: 2 });
    const credentials = addAccount(standin);
    const parent = makeCall(credentials);
    standin.addCall(parent);
    for (let index = 0; index < 3; index += 1) {
      standin.addCall(makeCall(credentials, { parentCallSid: parent.sid }));
    }
    standin.repeatPages(true);

    const error = await captureError(makeClient(standin).listChildCalls(credentials, parent.sid));

    expect(error.kind).toBe('InvalidResponse');
    expect(error.message).toContain('repeats');
    expect(standin.requests).toHaveLength(1);
  });

  it('stops at the page limit', async () => {
    const standin = await startStandin({ pageSize: 1 });
    const credentials = addAccount(standin);
    const parent = makeCall(credentials);
    standin.addCall(parent);
    for (let index = 0; index < 5; index += 1) {
      standin.addCall(makeCall(credentials, { parentCallSid: parent.sid }));
    }

    const error = await captureError(makeClient(standin, { maxPages: 3 }).listChildCalls(credentials, parent.sid));

    expect(error.kind).toBe('InvalidResponse');
    expect(error.message).toContain('3 pages');
    expect(standin.requests).toHaveLength(3);
  });

  it('rejects next_page_uri outside the listing', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const parentSid = makeCallSid();
    const client = makeClient(standin);
    const callsPath = `/2010-04-01/Accounts/${credentials.accountSid}/Calls.json`;

    const nextPageUris = [
      `https://api.twilio.example${callsPath}?Page=1`,
      `//api.twilio.example${callsPath}?Page=1`,
      `/2010-04-01/Accounts/${makeAccountSid()}/Calls.json?Page=1`,
      `${callsPath}/../../Calls.json?Page=1`,
      `/2010-04-01/Accounts/${credentials.accountSid}/Recordings.json?Page=1`,
    ];
    for (const nextPageUri of nextPageUris) {
      standin.failNext({}, { status: 200, body: JSON.stringify({ calls: [], next_page_uri: nextPageUri }) });
      const error = await captureError(client.listChildCalls(credentials, parentSid));
      expect(error.kind, nextPageUri).toBe('InvalidResponse');
    }
    expect(standin.requests).toHaveLength(nextPageUris.length);
  });

  it('rejects a leg of another parent', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const parentSid = makeCallSid();
    const stray = { sid: makeCallSid(), account_sid: credentials.accountSid, status: 'completed', parent_call_sid: makeCallSid() };
    standin.failNext({}, { status: 200, body: JSON.stringify({ calls: [stray], next_page_uri: null }) });

    const error = await captureError(makeClient(standin).listChildCalls(credentials, parentSid));

    expect(error.kind).toBe('InvalidResponse');
  });
});

describe('TwilioClient.listRecordings', () => {
  it('lists recordings across pages', async () => {
    const standin = await startStandin({ pageSize: 2 });
    const credentials = addAccount(standin);
    const call = makeCall(credentials);
    const otherCall = makeCall(credentials);
    standin.addCall(call);
    standin.addCall(otherCall);
    const recordings = ['-0.0025', '-0.0100', null].map((price, index) => ({
      sid: makeRecordingSid(),
      callSid: call.sid,
      accountSid: credentials.accountSid,
      price,
      durationSeconds: 10 + index,
      startTime: new Date(Date.UTC(2019, 9, 18, 17, 2, index)),
    }));
    recordings.forEach((recording) => standin.addRecording(recording));
    standin.addRecording({ sid: makeRecordingSid(), callSid: otherCall.sid, accountSid: credentials.accountSid, price: '-0.0025', durationSeconds: 5 });
    standin.updateRecording(recordings[2]?.sid ?? '', { status: 'processing' });

    const listed = await makeClient(standin).listRecordings(credentials, call.sid);

    expect(listed).toHaveLength(3);
    for (const recording of recordings) {
      const match = listed.find((item) => item.sid === recording.sid);
      expect(match?.callSid).toBe(call.sid);
      expect(match?.price).toBe(recording.price);
      expect(match?.durationSeconds).toBe(recording.durationSeconds);
      expect(match?.priceUnit).toBe('USD');
    }
    expect(listed.find((item) => item.sid === recordings[2]?.sid)?.status).toBe('processing');
    expect(listed.find((item) => item.sid === recordings[0]?.sid)?.status).toBe('completed');
    expect(pathsMatching(standin, /\/Recordings\.json\?/)).toHaveLength(2);
  });

  it('accepts numeric recording prices', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const callSid = makeCallSid();
    const recording = { sid: makeRecordingSid(), call_sid: callSid, status: 'completed', duration: '4', price: -0.0025, price_unit: 'USD' };
    standin.failNext({}, { status: 200, body: JSON.stringify({ recordings: [recording], next_page_uri: null }) });

    const listed = await makeClient(standin).listRecordings(credentials, callSid);

    expect(listed).toEqual([{ sid: recording.sid, callSid, status: 'completed', durationSeconds: 4, price: '-0.0025', priceUnit: 'USD' }]);
  });
});

describe('TwilioClient retries', () => {
  it('retries 429 after Retry-After', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const call = makeCall(credentials);
    standin.addCall(call);
    standin.failNext({ path: /\/Calls\// }, { status: 429, times: 2, retryAfterSeconds: 0 });

    const fetched = await makeClient(standin).fetchCall(credentials, call.sid);

    expect(fetched.sid).toBe(call.sid);
    expect(standin.requests.map((request) => request.status)).toEqual([429, 429, 200]);
  });

  it('gives up when Retry-After exceeds cap', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const call = makeCall(credentials);
    standin.addCall(call);
    standin.failNext({}, { status: 429, retryAfterSeconds: 120 });

    const error = await captureError(makeClient(standin, { maxRetryDelayMs: 20 }).fetchCall(credentials, call.sid));

    expect(error.kind).toBe('RateLimited');
    expect(error.status).toBe(429);
    expect(error.code).toBe(20429);
    expect(error.retryAfterMs).toBe(120_000);
    expect(standin.requests).toHaveLength(1);
  });

  it('reports RateLimited when 429 persists', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    standin.failNext({}, { status: 429, times: 10, retryAfterSeconds: 0 });

    const error = await captureError(makeClient(standin, { maxAttempts: 3 }).fetchCall(credentials, makeCallSid()));

    expect(error.kind).toBe('RateLimited');
    expect(error.retryAfterMs).toBe(0);
    expect(error.message).toContain('3 attempts');
    expect(standin.requests).toHaveLength(3);
  });

  it('reports Unavailable when 503 persists', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const call = makeCall(credentials);
    standin.addCall(call);
    standin.failNext({}, { status: 503, times: 10 });

    const error = await captureError(makeClient(standin, { maxAttempts: 3 }).fetchCall(credentials, call.sid));

    expect(error.kind).toBe('Unavailable');
    expect(error.status).toBe(503);
    expect(error.code).toBe(20503);
    expect(standin.requests).toHaveLength(3);
  });

  it('retries a failed middle page', async () => {
    const standin = await startStandin({ pageSize: 1 });
    const credentials = addAccount(standin);
    const parent = makeCall(credentials);
    standin.addCall(parent);
    standin.addCall(makeCall(credentials, { parentCallSid: parent.sid }));
    standin.addCall(makeCall(credentials, { parentCallSid: parent.sid }));
    standin.failNext({ path: /Page=1/ }, { status: 500 });

    const listed = await makeClient(standin).listChildCalls(credentials, parent.sid);

    expect(listed).toHaveLength(2);
    expect(standin.requests.map((request) => request.status)).toEqual([200, 500, 200]);
  });

  it('reports Timeout when responses are too slow', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const call = makeCall(credentials);
    standin.addCall(call);
    standin.failNext({}, { delayMs: 10_000, times: 2 });

    const client = makeClient(standin, { timeoutMs: 50, maxAttempts: 2 });
    const error = await captureError(client.fetchCall(credentials, call.sid));

    expect(error.kind).toBe('Timeout');
    expect(error.status).toBeUndefined();
    expect(standin.requests).toHaveLength(2);
  });

  it('recovers after one timeout', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const call = makeCall(credentials);
    standin.addCall(call);
    standin.failNext({}, { delayMs: 10_000 });

    const fetched = await makeClient(standin, { timeoutMs: 250 }).fetchCall(credentials, call.sid);

    expect(fetched.sid).toBe(call.sid);
    expect(standin.requests).toHaveLength(2);
  });

  it('reports Unavailable when nothing listens', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const client = makeClient(standin, { maxAttempts: 2 });
    await standin.close();

    const error = await captureError(client.fetchCall(credentials, makeCallSid()));

    expect(error.kind).toBe('Unavailable');
    expect(error.status).toBeUndefined();
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('does not retry other 4xx responses', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    standin.failNext({}, { status: 400 });

    const error = await captureError(makeClient(standin).fetchCall(credentials, makeCallSid()));

    expect(error.kind).toBe('BadRequest');
    expect(error.status).toBe(400);
    expect(standin.requests).toHaveLength(1);
  });
});

describe('TwilioClient concurrency', () => {
  it('limits requests in flight per account', async () => {
    const standin = await startStandin();
    const accounts = [addAccount(standin), addAccount(standin)];
    const callsByAccount = accounts.map((credentials) => {
      const calls = [0, 1, 2, 3, 4, 5].map(() => makeCall(credentials));
      calls.forEach((call) => standin.addCall(call));
      return calls;
    });
    // Every response waits, so requests pile up unless the client limits them.
    standin.failNext({}, { delayMs: 30, times: 100 });

    const client = makeClient(standin, { maxConcurrencyPerAccount: 2 });
    const fetches = accounts.flatMap((credentials, index) =>
      (callsByAccount[index] ?? []).map((call) => client.fetchCall(credentials, call.sid)),
    );
    const fetched = await Promise.all(fetches);

    expect(fetched).toHaveLength(12);
    for (const credentials of accounts) {
      expect(standin.maxInFlight(credentials.accountSid)).toBe(2);
    }
    expect(standin.maxInFlight()).toBeGreaterThan(2);
  });
});

describe('TwilioClient logging', () => {
  it('logs retries at warn level', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const call = makeCall(credentials);
    standin.addCall(call);
    standin.failNext({}, { status: 503 });
    const { logger, output } = memoryLogger();

    await makeClient(standin, { logger }).fetchCall(credentials, call.sid);

    const entries = output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ level: 40, callSid: call.sid, accountSid: credentials.accountSid, status: 503, attempt: 1 });
  });

  it('never logs the auth token', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const call = makeCall(credentials);
    standin.addCall(call);
    const { logger, output } = memoryLogger();
    const client = makeClient(standin, { logger });
    const impatientClient = makeClient(standin, { logger, timeoutMs: 50, maxAttempts: 2 });

    standin.failNext({}, { status: 503 });
    await client.fetchCall(credentials, call.sid);
    standin.failNext({}, { status: 429, retryAfterSeconds: 0 });
    await client.listChildCalls(credentials, call.sid);
    standin.failNext({}, { delayMs: 10_000, times: 2 });
    const timeout = await captureError(impatientClient.listRecordings(credentials, call.sid));
    const wrongToken = makeAuthToken();
    const denied = await captureError(client.fetchCall({ ...credentials, authToken: wrongToken }, call.sid));

    const basic = Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64');
    const captured = [output(), timeout.message, String(timeout.cause), denied.message, JSON.stringify(denied)].join('\n');
    expect(output()).toContain('retrying');
    expect(captured).not.toContain(credentials.authToken);
    expect(captured).not.toContain(wrongToken);
    expect(captured).not.toContain(basic);
    expect(captured.toLowerCase()).not.toContain('authorization');
  });
});

describe('Twilio stand-in', () => {
  it('records responses that break the schema', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const call = makeCall(credentials, { status: 'on-hold' });
    standin.addCall(call);

    await makeClient(standin).fetchCall(credentials, call.sid);

    const errors = standin.schemaErrors.splice(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('status');
  });

  it('serves a complete call resource', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);
    const call = makeCall(credentials, { from: '+13051416799', direction: 'trunking-originating' });
    standin.addCall(call);
    const authorization = `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64')}`;

    const response = await fetch(`${standin.url}/2010-04-01/Accounts/${credentials.accountSid}/Calls/${call.sid}.json`, {
      headers: { Authorization: authorization },
    });
    const body = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(200);
    expect(body['from_formatted']).toBe('(305) 141-6799');
    expect(body['to_formatted']).toBe('+442071838750');
    expect(body['start_time']).toBe('Fri, 18 Oct 2019 17:02:00 +0000');
    expect(body['duration']).toBe('65');
    expect(body['api_version']).toBe('2010-04-01');
    expect(body['trunk_sid']).toMatch(/^TK[0-9a-f]{32}$/);
    expect(body['uri']).toBe(`/2010-04-01/Accounts/${credentials.accountSid}/Calls/${call.sid}.json`);
    expect(body['subresource_uris']).toMatchObject({
      recordings: `/2010-04-01/Accounts/${credentials.accountSid}/Calls/${call.sid}/Recordings.json`,
    });
  });

  it('rejects missing credentials with 401', async () => {
    const standin = await startStandin();
    const credentials = addAccount(standin);

    const response = await fetch(`${standin.url}/2010-04-01/Accounts/${credentials.accountSid}/Calls/${makeCallSid()}.json`);

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
  });
});

describe('RFC 2822 dates', () => {
  it('parses Twilio dates and offsets', () => {
    expect(parseRfc2822Date('Fri, 18 Oct 2019 17:02:00 +0000')?.toISOString()).toBe('2019-10-18T17:02:00.000Z');
    expect(parseRfc2822Date('18 Oct 2019 17:02 +0130')?.toISOString()).toBe('2019-10-18T15:32:00.000Z');
    expect(parseRfc2822Date('Wed, 21 Oct 2015 07:28:00 GMT')?.toISOString()).toBe('2015-10-21T07:28:00.000Z');
  });

  it('rejects invalid dates', () => {
    for (const text of ['Sat, 31 Feb 2019 10:00:00 +0000', 'Mon, 18 Oct 2019 17:02:00 +0000', '2019-10-18T17:02:00Z', '18 Oct 2019 25:00:00 +0000', '']) {
      expect(parseRfc2822Date(text), text).toBeNull();
    }
  });

  it('formats in UTC and parses back', () => {
    const date = new Date(Date.UTC(2024, 1, 29, 3, 4, 5));
    expect(formatRfc2822Date(date)).toBe('Thu, 29 Feb 2024 03:04:05 +0000');
    expect(parseRfc2822Date(formatRfc2822Date(date))?.getTime()).toBe(date.getTime());
  });
});

describe('retry timing', () => {
  it('parses Retry-After seconds and dates', () => {
    const now = Date.UTC(2015, 9, 21, 7, 28, 0);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('grows backoff exponentially up to the cap', () => {
    const almostOne = (): number => 0.999_999;
    expect(computeBackoffDelay(1, 250, 10_000, almostOne)).toBe(249);
    expect(computeBackoffDelay(3, 250, 10_000, almostOne)).toBe(999);
    expect(computeBackoffDelay(20, 250, 10_000, almostOne)).toBe(9_999);
    expect(computeBackoffDelay(20, 250, 10_000, () => 0)).toBe(0);
  });
});
