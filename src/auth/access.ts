import { forbidden } from '../errors.js';
import type { Principal, Role } from './roles.js';

export function isAdministrator(principal: Principal): boolean {
  return principal.role === 'SystemAdministrator';
}

/** Rejects a principal without one of `roles`, with ServiceStack's "Invalid Role" wording and the roles needed. */
export function requireRole(principal: Principal, roles: readonly Role[]): void {
  if (roles.includes(principal.role)) return;
  throw forbidden(`Invalid Role: this needs a ${roles.join(' or ')} key, and this key has the role ${principal.role}.`);
}

/** Managers and Customer keys reach their own account only. */
export function requireAccountAccess(principal: Principal, accountId: string): void {
  if (isAdministrator(principal)) return;
  if (principal.accountId !== accountId) throw forbidden(`This API key has no access to account '${accountId}'.`);
}

/** Only administrators and the account's managers may change it or report its calls. */
export function requireAccountWrite(principal: Principal, accountId: string): void {
  requireRole(principal, ['SystemAdministrator', 'Manager']);
  requireAccountAccess(principal, accountId);
}
