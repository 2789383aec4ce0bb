export const ROLES = ['SystemAdministrator', 'Manager', 'Customer'] as const;
export type Role = (typeof ROLES)[number];

/** The caller behind an API key. A Manager is bound to an account, a Customer to a customer. */
export interface Principal {
  keyId: string;
  role: Role;
  accountId: string | null;
  customerId: string | null;
}
