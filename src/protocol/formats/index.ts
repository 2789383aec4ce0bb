import { csvFormat } from './csv.js';
import type { FormatName, WireFormat } from './format.js';
import { jsonFormat } from './json.js';
import { jsonlFormat } from './jsonl.js';
import { jsvFormat } from './jsv-format.js';
import { xmlFormat } from './xml.js';

/** Every wire format by name. */
export const FORMATS: ReadonlyMap<FormatName, WireFormat> = new Map(
  [jsonFormat, jsvFormat, xmlFormat, csvFormat, jsonlFormat].map((format) => [format.name, format]),
);

/** Finds the format that reads a request media type such as 'text/jsv'. */
export function formatForMediaType(mediaType: string): WireFormat | undefined {
  const requested = mediaType.toLowerCase();
  for (const format of FORMATS.values()) if (format.mediaTypes.includes(requested)) return format;
  return undefined;
}
