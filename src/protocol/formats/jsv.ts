/**
 * Reader and writer for ServiceStack's JSV text format: `{key:value}` objects,
 * `[a,b]` lists and unquoted strings.
 *
 * JSV is untyped, so parseJsv returns every scalar as a string and the DTO binder
 * converts it by the declared type. serializeJsv writes keys exactly as given.
 *
 * Quoting: a string is wrapped in double quotes, with inner `"` doubled, when it is
 * empty, contains `"` `:` `,` `{` `}` `[` `]` CR or LF, or starts or ends with
 * whitespace. Every other string is written bare, including ones that look like
 * numbers or booleans. The reader skips ASCII whitespace (space, tab, LF, VT, FF, CR)
 * between tokens and trims it from the ends of unquoted keys and values. Quoted text
 * is kept exactly.
 */
import { Decimal } from 'decimal.js';

export type JsvValue = string | JsvValue[] | { [key: string]: JsvValue };

export interface JsvParseOptions {
  /** Maximum number of nested objects and lists. Default JSV_DEFAULT_MAX_DEPTH. */
  maxDepth?: number;
  /** Maximum input length in UTF-16 code units. Default JSV_DEFAULT_MAX_LENGTH. */
  maxLength?: number;
}

/** Default nesting limit for parseJsv. serializeJsv rejects deeper values so its output always parses. */
export const JSV_DEFAULT_MAX_DEPTH = 64;

/** Default input limit for parseJsv, the same number as Fastify 5's default bodyLimit of 1,048,576 bytes. */
export const JSV_DEFAULT_MAX_LENGTH = 1_048_576;

/** Malformed JSV input. `position` is the UTF-16 offset in the input where the problem was found. */
export class JsvSyntaxError extends Error {
  readonly position: number;

  constructor(detail: string, position: number) {
    super(`Invalid JSV at offset ${position}: ${detail}`);
    this.name = 'JsvSyntaxError';
    this.position = position;
  }
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

const CHARS_REQUIRING_QUOTES = /[":,{}[\]\r\n]/;

// Wider than the reader's ASCII set, so readers that also trim Unicode whitespace
// such as U+00A0 and U+0085 still get the exact string back.
const EDGE_WHITESPACE = /^[\s\u0085]|[\s\u0085]$/u;

/**
 * Serializes a value to JSV.
 *
 * Accepts strings, finite numbers, bigints, booleans, Dates, decimal.js Decimals,
 * arrays and objects. Objects with a toJSON method are written as its result.
 * Other objects are written as their own enumerable properties, as JSON.stringify does.
 * Null and undefined properties are omitted, null list elements are written as empty
 * elements, and a top-level null or undefined gives "".
 *
 * Numbers never use exponent notation: 1e21 is written as 1 followed by 21 zeros and
 * 1e-7 as 0.0000001, because .NET's decimal parsing rejects exponents by default.
 *
 * @throws {RangeError} for NaN, Infinity, invalid Dates, Dates outside years 1 to 9999,
 *   or values nested deeper than JSV_DEFAULT_MAX_DEPTH.
 * @throws {TypeError} for functions, symbols, Maps, Sets and circular references.
 */
export function serializeJsv(value: unknown): string {
  return writeValue(value, 0, new Set());
}

function writeValue(value: unknown, depth: number, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'undefined':
      return '';
    case 'string':
      return quoteJsvString(value);
    case 'number':
      return formatNumber(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'function':
    case 'symbol':
      throw new TypeError(`Cannot serialize a ${typeof value} to JSV`);
    case 'object':
      if (value === null) {
        return '';
      }
      return writeObjectLike(value, depth, ancestors);
  }
}

function writeObjectLike(value: object, depth: number, ancestors: Set<object>): string {
  if (value instanceof Date) {
    return formatDate(value);
  }
  if (Decimal.isDecimal(value)) {
    return formatDecimal(value);
  }
  if (value instanceof Map || value instanceof Set) {
    throw new TypeError(`Cannot serialize a ${value.constructor.name} to JSV. Convert it to a plain object or an array first`);
  }

  if (depth >= JSV_DEFAULT_MAX_DEPTH) {
    throw new RangeError(`Cannot serialize a value nested deeper than ${JSV_DEFAULT_MAX_DEPTH} levels to JSV, because parseJsv rejects such input by default`);
  }
  if (ancestors.has(value)) {
    throw new TypeError('Cannot serialize a circular reference to JSV');
  }

  ancestors.add(value);
  try {
    return writeContainer(value, depth + 1, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function writeContainer(value: object, depth: number, ancestors: Set<object>): string {
  if (Array.isArray(value)) {
    // NOTE: a list holding a single null is written as `[]`, which reads back as an empty list.
    const elements = value.map((element: unknown) => writeValue(element, depth, ancestors));
    return `[${elements.join(',')}]`;
  }

  // A toJSON call counts as one nesting level, which bounds toJSON methods that return new objects forever.
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    return writeValue(toJSON.call(value), depth, ancestors);
  }

  const members: string[] = [];
  for (const [key, member] of Object.entries(value)) {
    if (member === null || member === undefined) {
      continue;
    }
    members.push(`${quoteJsvString(key)}:${writeValue(member, depth, ancestors)}`);
  }
  return `{${members.join(',')}}`;
}

/** Quotes a key or string value when the JSV reader would otherwise misread it. */
export function quoteJsvString(text: string): string {
  if (text === '' || CHARS_REQUIRING_QUOTES.test(text) || EDGE_WHITESPACE.test(text)) {
    return `"${text.replaceAll('"', '""')}"`;
  }
  return text;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`Cannot serialize ${value} to JSV: only finite numbers are supported`);
  }
  const shortest = String(value);
  return shortest.includes('e') ? expandExponent(shortest) : shortest;
}

/** Rewrites JavaScript's exponent form (`-1.5e-7`, `1e+21`) as plain decimal notation. */
function expandExponent(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) {
    throw new Error(`Unexpected number format from String(): ${text}`);
  }
  const [, sign = '', integerDigits = '', fractionDigits = '', exponentText = '0'] = match;
  const digits = integerDigits + fractionDigits;
  const pointIndex = integerDigits.length + Number(exponentText);

  if (pointIndex <= 0) {
    return `${sign}0.${'0'.repeat(-pointIndex)}${digits}`;
  }
  if (pointIndex >= digits.length) {
    return `${sign}${digits}${'0'.repeat(pointIndex - digits.length)}`;
  }
  return `${sign}${digits.slice(0, pointIndex)}.${digits.slice(pointIndex)}`;
}

function formatDecimal(value: Decimal): string {
  if (!value.isFinite()) {
    throw new RangeError(`Cannot serialize Decimal ${value.toString()} to JSV: only finite numbers are supported`);
  }
  // toFixed() without arguments never uses exponent notation, but it keeps the sign of -0.
  return value.isZero() ? '0' : value.toFixed();
}

/** Formats a Date as `yyyy-MM-dd` at exactly midnight UTC, otherwise as `yyyy-MM-ddTHH:mm:ss[.fff]Z`. */
function formatDate(value: Date): string {
  const time = value.getTime();
  if (Number.isNaN(time)) {
    throw new RangeError('Cannot serialize an invalid Date to JSV');
  }
  const year = value.getUTCFullYear();
  if (year < 1 || year > 9999) {
    throw new RangeError(`Cannot serialize Date with year ${year} to JSV: .NET DateTime supports years 1 to 9999`);
  }

  // For years 1 to 9999 toISOString returns exactly `yyyy-MM-ddTHH:mm:ss.sssZ`.
  const iso = value.toISOString();
  const milliseconds = value.getUTCMilliseconds();
  if (value.getUTCHours() === 0 && value.getUTCMinutes() === 0 && value.getUTCSeconds() === 0 && milliseconds === 0) {
    return iso.slice(0, 10);
  }
  return milliseconds === 0 ? `${iso.slice(0, 19)}Z` : iso;
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/**
 * Parses JSV text. Scalars come back as strings, and an empty unquoted value such as
 * `{a:}` or the middle of `[a,,b]` is "".
 *
 * Unquoted values may contain `:`, because ServiceStack.Text's JsvTypeSerializer.WriteDateTime
 * writes dates such as `2024-05-01T10:30:00Z` without quotes. They may not contain `"`, `{`
 * or `[`. Unquoted keys end at the first `:`.
 * The parser keeps its own stack instead of recursing, so deep input fails with
 * JsvSyntaxError rather than a stack overflow, even with maxDepth Infinity.
 *
 * @throws {JsvSyntaxError} for malformed input, duplicate keys, or input beyond
 *   maxDepth or maxLength.
 * @throws {RangeError} when an option is not a non-negative integer or Infinity.
 */
export function parseJsv(text: string, options: JsvParseOptions = {}): JsvValue {
  const maxDepth = checkLimit('maxDepth', options.maxDepth ?? JSV_DEFAULT_MAX_DEPTH);
  const maxLength = checkLimit('maxLength', options.maxLength ?? JSV_DEFAULT_MAX_LENGTH);
  if (text.length > maxLength) {
    throw new JsvSyntaxError(`input is ${text.length} characters long, more than maxLength ${maxLength}`, maxLength);
  }
  return new JsvParser(text, maxDepth).parse();
}

/** Reads a JSV boolean in any letter case (`true`, `False`, `TRUE`). Returns undefined for any other text. */
export function parseJsvBoolean(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  if (lower === 'true') {
    return true;
  }
  if (lower === 'false') {
    return false;
  }
  return undefined;
}

function checkLimit(name: string, limit: number): number {
  if (!(Number.isInteger(limit) || limit === Infinity) || limit < 0) {
    throw new RangeError(`parseJsv option ${name} must be a non-negative integer or Infinity, got ${limit}`);
  }
  return limit;
}

const QUOTE = 0x22; // "
const COMMA = 0x2c; // ,
const COLON = 0x3a; // :
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACE = 0x7d; // }
const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACKET = 0x5d; // ]

function isWhitespace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

interface ObjectFrame {
  kind: 'object';
  value: { [key: string]: JsvValue };
  /** Key whose value is being read. */
  key: string;
  start: number;
}

interface ListFrame {
  kind: 'list';
  value: JsvValue[];
  start: number;
}

type Frame = ObjectFrame | ListFrame;

class JsvParser {
  private position = 0;
  private readonly stack: Frame[] = [];

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  parse(): JsvValue {
    let completed = this.beginValue();

    for (;;) {
      // beginValue opened a container that has at least one member, so read that member next.
      if (completed === undefined) {
        completed = this.beginValue();
        continue;
      }

      const frame = this.stack.at(-1);
      if (frame === undefined) {
        this.expectEndOfInput();
        return completed;
      }

      this.addMember(frame, completed);
      completed = this.continueContainer(frame);
    }
  }

  /**
   * Reads a scalar or the opening of a container. Returns the value when it is complete
   * (scalars and empty containers), or undefined after pushing a container whose first
   * member comes next. For objects the first key and its `:` are already consumed.
   */
  private beginValue(): JsvValue | undefined {
    this.skipWhitespace();
    const code = this.text.charCodeAt(this.position);

    if (code === OPEN_BRACE) {
      const frame: ObjectFrame = { kind: 'object', value: {}, key: '', start: this.position };
      this.pushFrame(frame);
      this.skipWhitespace();
      if (this.text.charCodeAt(this.position) === CLOSE_BRACE) {
        this.position++;
        this.stack.pop();
        return frame.value;
      }
      this.readKey(frame);
      return undefined;
    }

    if (code === OPEN_BRACKET) {
      const frame: ListFrame = { kind: 'list', value: [], start: this.position };
      this.pushFrame(frame);
      this.skipWhitespace();
      if (this.text.charCodeAt(this.position) === CLOSE_BRACKET) {
        this.position++;
        this.stack.pop();
        return frame.value;
      }
      return undefined;
    }

    if (code === QUOTE) {
      return this.readQuoted();
    }
    return this.readUnquoted();
  }

  /**
   * Consumes the `,` or closing bracket after a member. Returns the finished container,
   * or undefined when another member follows.
   */
  private continueContainer(frame: Frame): JsvValue | undefined {
    this.skipWhitespace();
    const code = this.text.charCodeAt(this.position);
    const closer = frame.kind === 'object' ? CLOSE_BRACE : CLOSE_BRACKET;

    if (code === COMMA) {
      this.position++;
      if (frame.kind === 'object') {
        this.readKey(frame);
      }
      return undefined;
    }
    if (code === closer) {
      this.position++;
      this.stack.pop();
      return frame.value;
    }

    const closerText = String.fromCharCode(closer);
    const container = frame.kind === 'object' ? 'object' : 'list';
    throw new JsvSyntaxError(
      `expected ',' or '${closerText}' after a member of the ${container} opened at offset ${frame.start}, but found ${this.describeCurrent()}`,
      this.position,
    );
  }

  private pushFrame(frame: Frame): void {
    if (this.stack.length >= this.maxDepth) {
      throw new JsvSyntaxError(`nesting is deeper than maxDepth ${this.maxDepth}`, this.position);
    }
    this.stack.push(frame);
    this.position++;
  }

  private addMember(frame: Frame, value: JsvValue): void {
    if (frame.kind === 'list') {
      frame.value.push(value);
      return;
    }
    // defineProperty stores keys such as `__proto__` as own data properties instead of calling setters.
    Object.defineProperty(frame.value, frame.key, { value, enumerable: true, writable: true, configurable: true });
  }

  /** Reads an object key and the `:` after it into frame.key. */
  private readKey(frame: ObjectFrame): void {
    this.skipWhitespace();
    const keyStart = this.position;
    const key = this.text.charCodeAt(keyStart) === QUOTE ? this.readQuoted() : this.readUnquotedKey();

    this.skipWhitespace();
    if (this.text.charCodeAt(this.position) !== COLON) {
      throw new JsvSyntaxError(
        `expected ':' after key ${JSON.stringify(key)}, but found ${this.describeCurrent()}`,
        this.position,
      );
    }
    if (Object.hasOwn(frame.value, key)) {
      throw new JsvSyntaxError(`duplicate key ${JSON.stringify(key)} in the object opened at offset ${frame.start}`, keyStart);
    }

    this.position++;
    frame.key = key;
  }

  private readUnquotedKey(): string {
    const start = this.position;
    const { text } = this;

    while (this.position < text.length) {
      const code = text.charCodeAt(this.position);
      if (code === COLON || code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        break;
      }
      if (code === QUOTE || code === OPEN_BRACE || code === OPEN_BRACKET) {
        throw new JsvSyntaxError(
          `unexpected ${this.describeCurrent()} inside an unquoted key. Quote a key that contains it`,
          this.position,
        );
      }
      this.position++;
    }

    if (this.position === start) {
      throw new JsvSyntaxError(`expected a key, but found ${this.describeCurrent()}`, this.position);
    }
    return this.trimEnd(start, this.position);
  }

  /** Reads an unquoted value up to the next `,`, `}`, `]` or the end of input. */
  private readUnquoted(): string {
    const start = this.position;
    const { text } = this;

    while (this.position < text.length) {
      const code = text.charCodeAt(this.position);
      if (code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        break;
      }
      if (code === QUOTE || code === OPEN_BRACE || code === OPEN_BRACKET) {
        throw new JsvSyntaxError(
          `unexpected ${this.describeCurrent()} inside an unquoted value. Quote a value that contains it`,
          this.position,
        );
      }
      this.position++;
    }
    return this.trimEnd(start, this.position);
  }

  /** Reads a quoted string starting at the opening `"`. A doubled `""` inside is one `"`. */
  private readQuoted(): string {
    const start = this.position;
    const { text } = this;
    let result = '';
    let chunkStart = start + 1;

    for (;;) {
      const quoteIndex = text.indexOf('"', chunkStart);
      if (quoteIndex === -1) {
        throw new JsvSyntaxError(
          `expected a closing '"' for the quoted string that starts at offset ${start}, but found end of input`,
          text.length,
        );
      }
      if (text.charCodeAt(quoteIndex + 1) === QUOTE) {
        result += text.slice(chunkStart, quoteIndex + 1);
        chunkStart = quoteIndex + 2;
        continue;
      }
      result += text.slice(chunkStart, quoteIndex);
      this.position = quoteIndex + 1;
      return result;
    }
  }

  private expectEndOfInput(): void {
    this.skipWhitespace();
    if (this.position >= this.text.length) {
      return;
    }
    const code = this.text.charCodeAt(this.position);
    if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      const opener = code === CLOSE_BRACE ? '{' : '[';
      throw new JsvSyntaxError(`unexpected ${this.describeCurrent()} with no matching '${opener}'`, this.position);
    }
    throw new JsvSyntaxError(
      `expected end of input after the top-level value, but found ${this.describeCurrent()}`,
      this.position,
    );
  }

  private skipWhitespace(): void {
    while (this.position < this.text.length && isWhitespace(this.text.charCodeAt(this.position))) {
      this.position++;
    }
  }

  private trimEnd(start: number, end: number): string {
    let trimmedEnd = end;
    while (trimmedEnd > start && isWhitespace(this.text.charCodeAt(trimmedEnd - 1))) {
      trimmedEnd--;
    }
    return this.text.slice(start, trimmedEnd);
  }

  private describeCurrent(): string {
    if (this.position >= this.text.length) {
      return 'end of input';
    }
    const character = this.text.charAt(this.position);
    // Control characters such as LF are shown escaped so the message stays on one line.
    return this.text.charCodeAt(this.position) < 0x20 ? JSON.stringify(character) : `'${character}'`;
  }
}
