import { Decimal } from 'decimal.js';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Serializes a response DTO as ServiceStack does: camelCase names as given, nulls omitted, dates
 * as ISO-8601 UTC. Money is written as a JSON number from its exact decimal digits, never via a float.
 */
export function toJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Decimal) return value.toFixed();
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : toJson(item))).join(',')}]`;
  if (typeof value === 'object') {
    const members: string[] = [];
    for (const [key, member] of Object.entries(value)) {
      if (member === null || member === undefined || typeof member === 'function') continue;
      members.push(`${JSON.stringify(key)}:${toJson(member)}`);
    }
    return `{${members.join(',')}}`;
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value);
}
