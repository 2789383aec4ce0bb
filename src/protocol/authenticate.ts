import type { FastifyRequest } from 'fastify';
import type { ApiKeyAuthenticator } from '../auth/api-keys.js';
import type { Principal } from '../auth/roles.js';
import { unauthorized } from '../errors.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const BASIC = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i;

export const WWW_AUTHENTICATE = 'Bearer realm="voice-billing", Basic realm="voice-billing"';

/** Reads the API key from `Authorization: Bearer`, HTTP Basic (key as user name) or `X-Api-Key`. */
export function readApiKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const bearer = BEARER.exec(header);
    if (bearer) return bearer[1];
    const basic = BASIC.exec(header);
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const separator = decoded.indexOf(':');
      return separator === -1 ? decoded : decoded.slice(0, separator);
    }
  }
  const apiKeyHeader = request.headers['x-api-key'];
  return typeof apiKeyHeader === 'string' && apiKeyHeader !== '' ? apiKeyHeader : undefined;
}

export async function authenticate(request: FastifyRequest, authenticator: ApiKeyAuthenticator): Promise<Principal> {
  const key = readApiKey(request);
  if (key === undefined) {
    throw unauthorized('An API key is required: send it as "Authorization: Bearer <key>", as HTTP Basic with the key as user name, or as X-Api-Key.');
  }
  const principal = await authenticator.authenticate(key);
  if (!principal) throw unauthorized('Invalid API Key');
  return principal;
}
