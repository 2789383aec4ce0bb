import { parse as parseCsv } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { Decimal } from 'decimal.js';
import { FormatError, type SerializeContext, type WireFormat } from './format.js';
import { serializeJsv } from './jsv.js';
import { rowsOf } from './rows.js';

// Text a spreadsheet would run as a formula (OWASP's list of CSV injection characters).
const FORMULA_START = /^[=+\-@\t\r]/;

/** Writes one cell: numbers as plain digits, dates as ISO-8601, nested values as JSV. */
function cell(value: unknown): string | number | boolean {
  if (value === null || value === undefined) return '';
  if (value instanceof Decimal) return value.toFixed();
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value : serializeJsv(value);
  // A leading apostrophe makes spreadsheets show the text instead of evaluating it.
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function uniqueColumns(header: string[]): string[] {
  const seen = new Set<string>();
  for (const name of header) {
    const key = name.trim().toLowerCase();
    if (seen.has(key)) throw new FormatError(`The CSV header names '${name.trim()}' more than once; name each column once.`, name.trim());
    seen.add(key);
  }
  return header;
}

function columnsOf(rows: unknown[], declared: string[] | undefined): string[] {
  if (declared) return declared;
  const names = new Set<string>();
  for (const row of rows) if (row && typeof row === 'object') for (const key of Object.keys(row)) names.add(key);
  return [...names];
}

/**
 * CSV as ServiceStack writes it: a header row of property names, one row per item, CRLF line ends,
 * and a field quoted only when it must be, so numbers stay numbers when Excel opens the file.
 */
export const csvFormat: WireFormat = {
  name: 'csv',
  contentType: 'text/csv; charset=utf-8',
  mediaTypes: ['text/csv', 'application/csv'],

  /** Reads a header row and data rows: one data row is one request, several make a batch. */
  parse(body) {
    let records: Record<string, string>[];
    try {
      records = parseCsv(body, { columns: uniqueColumns, skip_empty_lines: true, bom: true, relax_column_count: false });
    } catch (error) {
      if (error instanceof FormatError) throw error;
      throw new FormatError(`The CSV body could not be read: ${(error as Error).message}`);
    }
    if (records.length === 0) throw new FormatError('The CSV body needs a header row and at least one data row.');
    return records.length === 1 ? records[0] : records;
  },

  serialize(value: unknown, context: SerializeContext) {
    const { rows, rowType } = rowsOf(value, context);
    const columns = columnsOf(rows, rowType?.fields.map((field) => field.name));
    const records = rows.map((row) => columns.map((column) => cell((row as Record<string, unknown>)[column])));
    return stringify(records, { header: true, columns, record_delimiter: 'windows', cast: { boolean: (flag) => String(flag) } });
  },
};
