import { toJson, JSON_CONTENT_TYPE } from '../json.js';
import { FormatError, type WireFormat } from './format.js';

/** The deepest nesting a request body may have, as for JSV and XML. */
export const MAX_JSON_DEPTH = 64;

/**
 * Checks the nesting depth and finds the first key that appears twice in one JSON object. JSON.parse silently keeps the last
 * one, which would let a body give two values for one field.
 */
export function findDuplicateKey(text: string): string | null {
  const stack: Array<Set<string> | null> = [];
  if (text.length === 0) return null;
  let expectKey = false;

  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '"') {
      const end = endOfString(text, index);
      const frame = stack[stack.length - 1];
      if (expectKey && frame) {
        const key = JSON.parse(text.slice(index, end + 1)) as string;
        if (frame.has(key)) return key;
        frame.add(key);
      }
      expectKey = false;
      index = end;
    } else if (char === '{') {
      stack.push(new Set());
      expectKey = true;
      if (stack.length > MAX_JSON_DEPTH) throw new FormatError(`The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`);
    } else if (char === '[') {
      stack.push(null);
      expectKey = false;
      if (stack.length > MAX_JSON_DEPTH) throw new FormatError(`The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`);
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',') {
      expectKey = stack[stack.length - 1] !== null && stack.length > 0;
    }
  }
  return null;
}

function endOfString(text: string, start: number): number {
  for (let index = start + 1; index < text.length; index++) {
    if (text[index] === '\\') index++;
    else if (text[index] === '"') return index;
  }
  return text.length - 1;
}

export const jsonFormat: WireFormat = {
  name: 'json',
  contentType: JSON_CONTENT_TYPE,
  mediaTypes: ['application/json', 'text/json'],

  parse(body) {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (error) {
      // V8's message quotes part of the body, which may be a secret, so only the position is kept.
      const position = /position (\d+)/.exec((error as Error).message)?.[1];
      throw new FormatError(`The request body is not valid JSON${position === undefined ? '' : ` (at character ${position})`}; check its syntax.`);
    }
    const duplicate = findDuplicateKey(body);
    if (duplicate !== null) throw new FormatError(`The JSON body gives '${duplicate}' more than once; send each property once.`, duplicate);
    return value;
  },

  serialize: (value) => toJson(value),
};
