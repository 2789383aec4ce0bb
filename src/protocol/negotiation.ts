import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { invalidField } from '../errors.js';
import { FORMAT_NAMES, type FormatName, type WireFormat } from './formats/format.js';
import { FORMATS, formatForMediaType } from './formats/index.js';

const SUFFIX = /^(.*[^/])\.(json|xml|jsv|csv|jsonl)$/i;
const FORMAT_PREFIX = /^\/(json|xml|jsv|csv|jsonl)\/(reply|oneway)\//i;
const JSONP_CALLBACK = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;
// Paths whose extension is part of the resource name, not a format switch.
const FIXED_PATHS = new Set(['/openapi.json']);

const suffixFormats = new WeakMap<IncomingMessage, FormatName>();

/**
 * Strips a format suffix (`/billing.csv`) before routing and remembers it for the request,
 * so that custom routes match with or without one. Used as Fastify's rewriteUrl.
 */
export function stripFormatSuffix(raw: IncomingMessage): string {
  const url = raw.url ?? '/';
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const match = FIXED_PATHS.has(path) ? null : SUFFIX.exec(path);
  if (!match?.[1] || !match[2]) return url;
  suffixFormats.set(raw, match[2].toLowerCase() as FormatName);
  return match[1] + (queryStart === -1 ? '' : url.slice(queryStart));
}

export interface Negotiated {
  format: WireFormat;
  /** Set for JSONP: the JSON response is wrapped in a call to this function. */
  callback?: string;
}

function queryValue(request: FastifyRequest, name: string): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  if (!query) return undefined;
  for (const [key, value] of Object.entries(query)) {
    if (key.toLowerCase() === name && typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function byName(name: string, fieldName: string): WireFormat {
  const format = FORMATS.get(name.toLowerCase() as FormatName);
  if (!format) throw invalidField(fieldName, `Unknown format '${name}'; use one of ${FORMAT_NAMES.join(', ')}.`, 'UnknownFormat');
  return format;
}

/** Picks the response format from the highest-quality Accept entry we can write. */
function fromAccept(header: string | undefined): WireFormat | undefined {
  if (!header) return undefined;
  const entries = header
    .split(',')
    .map((part, position) => {
      const [type = '', ...parameters] = part.trim().split(';');
      const quality = parameters.map((parameter) => /^\s*q=([\d.]+)\s*$/.exec(parameter)?.[1]).find(Boolean);
      return { type: type.trim().toLowerCase(), quality: quality === undefined ? 1 : Number(quality), position };
    })
    .filter((entry) => entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.position - b.position);
  for (const entry of entries) {
    const format = formatForMediaType(entry.type);
    if (format) return format;
  }
  return undefined;
}

/**
 * Chooses the response format with ServiceStack's precedence: ?format= (?callback= forces JSON),
 * the /{format}/reply/ prefix, a .{format} suffix, Accept, then the request's Content-Type. JSON otherwise.
 */
export function negotiate(request: FastifyRequest): Negotiated {
  const callback = queryValue(request, 'callback');
  if (callback !== undefined) {
    if (!JSONP_CALLBACK.test(callback)) {
      throw invalidField('callback', "'callback' must be a JavaScript function name such as handleBilling.", 'InvalidCallback');
    }
    return { format: byName('json', 'callback'), callback };
  }

  const formatParameter = queryValue(request, 'format');
  if (formatParameter !== undefined) return { format: byName(formatParameter, 'format') };

  const prefix = FORMAT_PREFIX.exec(request.url);
  if (prefix?.[1]) return { format: byName(prefix[1], 'format') };

  const suffix = suffixFormats.get(request.raw);
  if (suffix) return { format: byName(suffix, 'format') };

  const accepted = fromAccept(request.headers.accept);
  if (accepted) return { format: accepted };

  const contentType = request.headers['content-type']?.split(';')[0]?.trim();
  const fromBody = contentType ? formatForMediaType(contentType) : undefined;
  return { format: fromBody ?? FORMATS.get('json')! };
}
