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
import type { JsonServiceClient } from '@servicestack/client';
import { type App, createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { makeAccountSid, makeAuthToken, makeCallSid, startTwilioStandin, type TwilioStandin } from '../test/support/twilio-standin.js';
import { billingTable, compareFigures, type CustomerFigures, expectedFigures, sumOfStandinPrices, sumTotals } from './demo-checks.js';
import { createClient, DemoError, GetBillable, GetBilling, ListBillables, NewAccount, NewBillable, NewCustomer, NewSession, send } from './demo-client.js';
import { addToStandin, CUSTOMER_NAMES, dayIn, planCalls, type PlannedCall, type PlannedLeg, previousDay, TIME_ZONE } from './demo-plan.js';

const LATE_PRICE_DELAY_MS = 3_000;
const PROGRESS_INTERVAL_MS = 250;
const RATING_TIMEOUT_MS = 45_000;

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
