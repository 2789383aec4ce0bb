import { type FieldError, validationError } from '../errors.js';
import { Money } from '../billing/money.js';
import type { FieldSpec, FieldType, TypeSpec } from './dto.js';

const INT32_MAX = 2_147_483_647;
const INT32_MIN = -2_147_483_648;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?)?(Z|[+-](0\d|1[0-4]):?[0-5]\d)?$/;

/** The sources of a request's raw values, lowest precedence first. */
export interface RequestSources {
  query?: Record<string, unknown>;
  body?: Record<string, unknown>;
  path?: Record<string, string>;
}

class FieldProblem extends Error {}

/**
 * Binds raw request values onto a DTO spec: property names match case-insensitively, values are
 * converted to the declared types, and every problem is reported with its field name at once.
 * Unknown properties are ignored, as ServiceStack does.
 */
export function bindRequest<T>(spec: TypeSpec, sources: RequestSources): T {
  const fieldsByKey = new Map(spec.fields.map((field) => [field.name.toLowerCase(), field]));
  const raw = new Map<FieldSpec, unknown>();
  const errors: FieldError[] = [];

  for (const source of [sources.query, sources.body, sources.path]) {
    if (!source) continue;
    const seen = new Set<string>();
    for (const [key, value] of Object.entries(source)) {
      const field = fieldsByKey.get(key.toLowerCase());
      if (!field) continue;
      if (seen.has(field.name)) {
        errors.push({ errorCode: 'DuplicateProperty', fieldName: field.name, message: `'${field.name}' is given more than once; send it once.` });
        continue;
      }
      seen.add(field.name);
      if (!isEmpty(value)) raw.set(field, value);
    }
  }

  const bound: Record<string, unknown> = {};
  for (const field of spec.fields) {
    const value = raw.get(field);
    if (value === undefined) {
      if (field.required) errors.push({ errorCode: 'NotEmpty', fieldName: field.name, message: `'${field.name}' is required.` });
      continue;
    }
    try {
      bound[field.name] = convert(field.type, value, field.name);
    } catch (error) {
      if (!(error instanceof FieldProblem)) throw error;
      const message = field.secret ? `'${field.name}' has the wrong type; send it as a ${typeName(field.type)}.` : error.message;
      errors.push({ errorCode: 'InvalidValue', fieldName: field.name, message });
    }
  }

  if (errors.length > 0) throw validationError(errors);
  return bound as T;
}

function typeName(type: FieldType): string {
  if (typeof type !== 'object') return type;
  if ('list' in type) return 'list';
  if ('enum' in type) return type.enum;
  return type.ref;
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

/** Describes a rejected value for a message; objects and lists by kind only, since they may nest deeply. */
function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = typeof value === 'string' ? `'${value}'` : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function convert(type: FieldType, value: unknown, name: string): unknown {
  if (typeof type === 'object' && 'list' in type) return convertList(type.list, value, name);
  if (typeof type === 'object' && 'enum' in type) return convertEnum(type.values, value, name);
  if (typeof type === 'object') throw new FieldProblem(`'${name}' cannot be set in a request.`);

  switch (type) {
    case 'string':
      if (typeof value === 'string') return checkCharacters(value, name);
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw new FieldProblem(`'${name}' must be a string, not ${describe(value)}.`);
    case 'int':
      return convertInt(value, name);
    case 'decimal':
      return convertDecimal(value, name);
    case 'bool':
      return convertBool(value, name);
    case 'date':
      return convertDate(value, name);
    case 'datetime':
      return convertDateTime(value, name);
  }
}

// C0 controls other than tab, LF and CR, and the noncharacters U+FFFE and U+FFFF: XML 1.0 cannot carry them.
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function checkCharacters(value: string, name: string): string {
  if (FORBIDDEN_CHARACTERS.test(value)) throw new FieldProblem(`'${name}' contains a control character; remove it.`);
  if (!value.isWellFormed()) throw new FieldProblem(`'${name}' contains an unpaired UTF-16 surrogate; send valid Unicode text.`);
  return value;
}

function convertInt(value: unknown, name: string): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(number) || number > INT32_MAX || number < INT32_MIN) {
    throw new FieldProblem(`'${name}' must be a whole number, not ${describe(value)}.`);
  }
  return number;
}

function convertDecimal(value: unknown, name: string): Money {
  let text = '';
  if (typeof value === 'number') text = String(value);
  else if (typeof value === 'string') text = value.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    throw new FieldProblem(`'${name}' must be a decimal number, not ${describe(value)}.`);
  }
  return new Money(text);
}

function convertBool(value: unknown, name: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw new FieldProblem(`'${name}' must be true or false, not ${describe(value)}.`);
}

/** Keeps the date part only ('YYYY-MM-DD'), because billing days are calendar days of the account. */
function convertDate(value: unknown, name: string): string {
  const text = typeof value === 'string' ? fromWcfDate(value.trim()) : '';
  const datePart = text.slice(0, 10);
  if (!ISO_DATE_TIME.test(text) || !isCalendarDate(datePart)) {
    throw new FieldProblem(`'${name}' must be a date such as 2026-01-31, not ${describe(value)}.`);
  }
  return datePart;
}

// .NET's JSON date form, which ServiceStack clients may send: /Date(1735689600000)/ or /Date(1735689600000-0500)/.
const WCF_DATE = /^\/Date\((-?\d{1,15})([+-]\d{4})?\)\/$/;

/** Converts a WCF JSON date to ISO-8601 in UTC. The offset only affects how the sender displays the date. */
function fromWcfDate(text: string): string {
  const match = WCF_DATE.exec(text);
  if (!match?.[1]) return text;
  const date = new Date(Number(match[1]));
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

function convertDateTime(value: unknown, name: string): Date {
  const text = typeof value === 'string' ? fromWcfDate(value.trim()) : '';
  const valid = ISO_DATE_TIME.test(text) && isCalendarDate(text.slice(0, 10));
  const date = valid ? new Date(asUtcIso(text)) : null;
  if (!date || Number.isNaN(date.getTime())) {
    throw new FieldProblem(`'${name}' must be an ISO-8601 date and time such as 2026-01-31T12:00:00Z, not ${describe(value)}.`);
  }
  return date;
}

/** PostgreSQL dates start at year 1, and four digits end at 9999. */
/** Reads a bare date as midnight UTC, and a time without an offset as UTC, not the server's zone. */
function asUtcIso(text: string): string {
  if (ISO_DATE.test(text)) return `${text}T00:00:00Z`;
  const iso = text.replace(' ', 'T');
  return /(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`;
}

function isCalendarDate(text: string): boolean {
  if (!ISO_DATE.test(text) || text.startsWith('0000')) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

function convertEnum(values: readonly string[], value: unknown, name: string): string {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  const match = values.find((candidate) => candidate.toLowerCase() === text);
  if (match === undefined) throw new FieldProblem(`'${name}' must be one of ${values.join(', ')}, not ${describe(value)}.`);
  return match;
}

/** Lists come as arrays (JSON) or comma-separated text (query strings). */
function convertList(itemType: FieldType, value: unknown, name: string): unknown[] {
  let items: unknown[] | null = null;
  if (Array.isArray(value)) items = value;
  else if (typeof value === 'string') items = value.replace(/^\[|\]$/g, '').split(',');
  if (!items) throw new FieldProblem(`'${name}' must be a list, not ${describe(value)}.`);
  return items.filter((item) => !isEmpty(item)).map((item) => convert(itemType, typeof item === 'string' ? item.trim() : item, name));
}
