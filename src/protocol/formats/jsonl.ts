import { toJson } from '../json.js';
import type { SerializeContext, WireFormat } from './format.js';
import { rowsOf } from './rows.js';

/** JSON Lines: one JSON object per line, for the items of a list response. */
export const jsonlFormat: WireFormat = {
  name: 'jsonl',
  contentType: 'text/jsonl; charset=utf-8',
  mediaTypes: ['text/jsonl', 'application/jsonl', 'application/x-ndjson'],
  parse: null,

  serialize(value: unknown, context: SerializeContext) {
    const { rows } = rowsOf(value, context);
    return rows.map((row) => `${toJson(row)}\n`).join('');
  },
};
