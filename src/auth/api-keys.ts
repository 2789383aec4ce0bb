import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Database } from '../store/database.js';
import * as keys from '../store/api-keys.js';
import type { Principal, Role } from './roles.js';

const KEY_PREFIX = 'vb_';
// A looked-up key is trusted this long in each process, which saves a query per request.
// NOTE: a key deleted through another process keeps working there for up to this long.
const CACHE_TTL_MS = 5_000;
const CACHE_MAX_ENTRIES = 10_000;

/** Keys are 32 random bytes, so a plain SHA-256 is enough to store them: there is nothing to brute-force. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export interface NewApiKeyInput {
  name: string;
  role: Role;
  accountId: string | null;
  customerId: string | null;
}

export interface CreatedApiKey {
  row: keys.ApiKeyRow;
  /** The key in clear; it is never stored and never shown again. */
  key: string;
}

export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, { principal: Principal | null; expiresAt: number }>();

  constructor(private readonly db: Database) {}

  /** Returns the principal of a key, or null when the key is unknown or was deleted. */
  async authenticate(key: string): Promise<Principal | null> {
    const keyHash = hashApiKey(key);
    const cached = this.cache.get(keyHash);
    if (cached && cached.expiresAt > Date.now()) return cached.principal;

    const row = await keys.findApiKeyByHash(this.db, keyHash);
    const principal: Principal | null = row
      ? { keyId: row.id, role: row.role as Role, accountId: row.accountId, customerId: row.customerId }
      : null;
    if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.clear();
    this.cache.set(keyHash, { principal, expiresAt: Date.now() + CACHE_TTL_MS });
    return principal;
  }

  async create(input: NewApiKeyInput, key = generateApiKey()): Promise<CreatedApiKey> {
    const now = new Date();
    const row: keys.ApiKeyRow = {
      id: randomUUID(),
      name: input.name,
      role: input.role,
      accountId: input.accountId,
      customerId: input.customerId,
      keyHash: hashApiKey(key),
      keyPrefix: key.slice(0, KEY_PREFIX.length + 6),
      dateCreated: now,
      dateLastModified: now,
    };
    await keys.insertApiKey(this.db, row);
    return { row, key };
  }

  async delete(id: string): Promise<boolean> {
    const row = await keys.findApiKey(this.db, id);
    const deleted = await keys.deleteApiKey(this.db, id);
    if (row) this.cache.delete(row.keyHash);
    return deleted;
  }

  /**
   * Makes sure a SystemAdministrator key exists at start. A `configuredKey` is stored once if missing.
   * Without one, and with no key stored at all, a new key is created and returned so that the
   * caller can show it once.
   */
  async ensureAdministratorKey(configuredKey: string | undefined): Promise<string | null> {
    if (configuredKey !== undefined) {
      const existing = await keys.findApiKeyByHash(this.db, hashApiKey(configuredKey));
      if (!existing) await this.create({ name: 'ADMIN_API_KEY', role: 'SystemAdministrator', accountId: null, customerId: null }, configuredKey);
      return null;
    }
    if ((await keys.countApiKeys(this.db)) > 0) return null;
    const created = await this.create({ name: 'first administrator key', role: 'SystemAdministrator', accountId: null, customerId: null });
    return created.key;
  }
}
