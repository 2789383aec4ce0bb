import { CHANNELS } from '../../billing/sessions.js';
import { BILLING_NAMESPACE, defineType } from '../dto.js';
import { defineOperation } from '../operation.js';
import { SessionInfo } from '../types.js';

export const newSession = defineOperation({
  request: defineType({
    name: 'NewSession',
    namespace: BILLING_NAMESPACE,
    fields: [
      { name: 'accountId', type: 'string', description: 'The account of the session' },
      { name: 'customerId', type: 'string', description: 'The customer of the session' },
      { name: 'callSid', type: 'string', description: 'The Twilio call SID of this session' },
      { name: 'channel', type: { enum: 'Channel', values: CHANNELS }, description: 'Voice, Chat or Fax (default Voice)' },
      { name: 'fromAddress', type: 'string', description: 'Who started the session' },
      { name: 'toAddress', type: 'string', description: 'Who was reached' },
    ],
  }),
  response: SessionInfo,
  method: 'POST',
  path: '/sessions',
  roles: ['SystemAdministrator', 'Manager'],
  description: 'Create a new session',
  handle: ({ principal, services }, request) => services.sessions.create(principal, request),
});

export const getSession = defineOperation({
  request: defineType({
    name: 'GetSession',
    namespace: BILLING_NAMESPACE,
    fields: [{ name: 'sessionId', type: 'string', required: true, description: 'The session to return' }],
  }),
  response: SessionInfo,
  method: 'GET',
  path: '/sessions/{sessionId}',
  roles: ['SystemAdministrator', 'Manager', 'Customer'],
  description: 'Get a session',
  handle: ({ principal, services }, request) => services.sessions.load(principal, request.sessionId),
});
