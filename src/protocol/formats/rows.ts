import { referencedTypeName } from '../type-registry.js';
import type { TypeSpec } from '../dto.js';
import type { SerializeContext } from './format.js';

/**
 * Picks the rows of a tabular response as ServiceStack does. A list is one row per item. A DTO whose
 * first list property contains the data (BillingInfo.customers, ListResponse.items) is one row per
 * item of that list. Any other DTO is a single row.
 */
export function rowsOf(value: unknown, context: SerializeContext): { rows: unknown[]; rowType: TypeSpec | null } {
  if (Array.isArray(value)) return { rows: value, rowType: null };
  if (value === null || value === undefined) return { rows: [], rowType: null };

  const type = context.type;
  if (type) {
    const listField = type.fields.find((field) => typeof field.type === 'object' && 'list' in field.type);
    if (listField) {
      const itemTypeName = referencedTypeName(listField.type);
      const items = (value as Record<string, unknown>)[listField.name];
      return { rows: Array.isArray(items) ? items : [], rowType: itemTypeName ? (context.types(itemTypeName) ?? null) : null };
    }
  }
  return { rows: [value], rowType: type };
}
