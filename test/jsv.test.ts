import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import {
  JSV_DEFAULT_MAX_DEPTH,
  JsvSyntaxError,
  parseJsv,
  parseJsvBoolean,
  quoteJsvString,
  serializeJsv,
  type JsvValue,
} from '../src/protocol/formats/jsv.js';

const SPECIAL_CHARACTERS = ['"', ':', ',', '{', '}', '[', ']', '\r', '\n'] as const;

// Strings built mostly from the characters that decide quoting, so the interesting cases come up often.
const jsvHeavyString = fc.oneof(
  fc.constant(''),
  fc.string({ unit: fc.constantFrom(...SPECIAL_CHARACTERS, ' ', '\t', '\u00a0', 'a', '1', '"'), maxLength: 12 }),
);

const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  // Any UTF-16 code unit, so lone surrogates are covered too.
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) }),
  jsvHeavyString,
);

const anyKey = fc.oneof(anyString, fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'));

const jsvTree: fc.Arbitrary<JsvValue> = fc.letrec<{ node: JsvValue; list: JsvValue[]; object: Record<string, JsvValue> }>(
  (tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, anyString, tie('list'), tie('object')),
    list: fc.array(tie('node'), { maxLength: 5 }),
    object: fc.dictionary(anyKey, tie('node'), { maxKeys: 5, noNullPrototype: true }),
  }),
).node;

function nestedLists(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) {
    value = [value];
  }
  return value;
}

/** Runs parseJsv and returns the JsvSyntaxError it throws, failing the test if it throws nothing or something else. */
function syntaxErrorOf(text: string, options?: { maxDepth?: number; maxLength?: number }): JsvSyntaxError {
  let caught: unknown;
  try {
    parseJsv(text, options);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(JsvSyntaxError);
  return caught as JsvSyntaxError;
}

describe('serializeJsv and parseJsv round trip', () => {
  it('round-trips arbitrary strings', () => {
    fc.assert(
      fc.property(anyString, (text) => {
        expect(parseJsv(serializeJsv(text))).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips strings heavy in special characters', () => {
    fc.assert(
      fc.property(jsvHeavyString, (text) => {
        expect(parseJsv(serializeJsv(text))).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips nested objects and lists', () => {
    fc.assert(
      fc.property(jsvTree, (tree) => {
        expect(parseJsv(serializeJsv(tree))).toEqual(tree);
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips strings inside pretty-printed whitespace', () => {
    fc.assert(
      fc.property(anyKey, anyString, (key, value) => {
        const text = `{\n\t${quoteJsvString(key)} : ${quoteJsvString(value)} \r\n}`;
        expect(parseJsv(text)).toEqual({ [key]: value });
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseJsv robustness', () => {
  it('throws only JsvSyntaxError on arbitrary input', () => {
    const jsvLikeText = fc.string({ unit: fc.constantFrom(...SPECIAL_CHARACTERS, ' ', 'a', '1'), maxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(jsvLikeText, fc.string({ unit: 'binary' })), (text) => {
        try {
          parseJsv(text);
        } catch (error) {
          expect(error).toBeInstanceOf(JsvSyntaxError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects 100k nested lists by depth', () => {
    const error = syntaxErrorOf('['.repeat(100_000));
    expect(error.position).toBe(JSV_DEFAULT_MAX_DEPTH);
    expect(error.message).toContain('maxDepth 64');
  });

  it('rejects 100k unclosed lists without a depth limit', () => {
    const error = syntaxErrorOf('['.repeat(100_000), { maxDepth: Infinity });
    expect(error.position).toBe(100_000);
    expect(error.message).toContain('end of input');
  });

  it('parses 100k balanced lists without a depth limit', () => {
    const text = '['.repeat(100_000) + 'x' + ']'.repeat(100_000);
    let value = parseJsv(text, { maxDepth: Infinity });
    let depth = 0;
    while (Array.isArray(value)) {
      value = value[0] as JsvValue;
      depth++;
    }
    expect(depth).toBe(100_000);
    expect(value).toBe('x');
  });

  it('rejects 100k nested objects by depth', () => {
    const error = syntaxErrorOf('{a:'.repeat(100_000));
    expect(error.position).toBe(3 * JSV_DEFAULT_MAX_DEPTH);
  });
});

describe('parseJsv ServiceStack samples', () => {
  const expected = { accountId: 'String', customerId: 'String', sessionId: 'String', callSid: 'String' };

  it('parses the compact sample', () => {
    expect(parseJsv('{accountId:String,customerId:String,sessionId:String,callSid:String}')).toEqual(expected);
  });

  it('parses the pretty-printed sample', () => {
    const text = '{\n\taccountId: String,\n\tcustomerId: String,\n\tsessionId: String,\n\tcallSid: String\n}';
    expect(parseJsv(text)).toEqual(expected);
  });

  it('parses CRLF and space indentation', () => {
    const text = '{\r\n  accountId : String ,\r\n  tags : [ a , b ]\r\n}\r\n';
    expect(parseJsv(text)).toEqual({ accountId: 'String', tags: ['a', 'b'] });
  });

  it('writes the compact sample', () => {
    expect(serializeJsv(expected)).toBe('{accountId:String,customerId:String,sessionId:String,callSid:String}');
  });
});

describe('parseJsv values', () => {
  it('returns scalars as strings', () => {
    expect(parseJsv('{amount:12.50,count:3,active:TRUE}')).toEqual({ amount: '12.50', count: '3', active: 'TRUE' });
  });

  it('parses empty containers', () => {
    expect(parseJsv('{}')).toEqual({});
    expect(parseJsv('[]')).toEqual([]);
    expect(parseJsv('{ \n }')).toEqual({});
    expect(parseJsv('[ \t ]')).toEqual([]);
    expect(parseJsv('{a:{},b:[]}')).toEqual({ a: {}, b: [] });
  });

  it('reads empty unquoted values as empty strings', () => {
    expect(parseJsv('')).toBe('');
    expect(parseJsv('  ')).toBe('');
    expect(parseJsv('{a:}')).toEqual({ a: '' });
    expect(parseJsv('[a,,b]')).toEqual(['a', '', 'b']);
  });

  it('keeps whitespace inside quoted values', () => {
    expect(parseJsv('{a: "  padded\t" , b : " "}')).toEqual({ a: '  padded\t', b: ' ' });
  });

  it('trims whitespace around unquoted values', () => {
    expect(parseJsv('  two words  ')).toBe('two words');
    expect(parseJsv('[ a b , c ]')).toEqual(['a b', 'c']);
  });

  it('allows colons in unquoted values', () => {
    expect(parseJsv('{startedAt:2024-05-01T10:30:00Z}')).toEqual({ startedAt: '2024-05-01T10:30:00Z' });
  });

  it('reads doubled quotes', () => {
    expect(parseJsv('"say ""hi"""')).toBe('say "hi"');
    expect(parseJsv('""""')).toBe('"');
    expect(parseJsv('""')).toBe('');
  });

  it('reads quoted keys', () => {
    expect(parseJsv('{"a:b":c, "" : d}')).toEqual({ 'a:b': 'c', '': 'd' });
  });

  it('stores __proto__ as an own key', () => {
    const value = parseJsv('{__proto__:x}') as Record<string, JsvValue>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe('x');
  });

  it('parses nested lists of objects', () => {
    const text = '[{id:1,tags:[a,b]},{id:2,tags:[],owner:{name:"Smith, J"}}]';
    expect(parseJsv(text)).toEqual([
      { id: '1', tags: ['a', 'b'] },
      { id: '2', tags: [], owner: { name: 'Smith, J' } },
    ]);
  });

  it('accepts input at maxLength', () => {
    expect(parseJsv('abcde', { maxLength: 5 })).toBe('abcde');
  });

  it('accepts nesting at maxDepth', () => {
    expect(parseJsv('[[a]]', { maxDepth: 2 })).toEqual([['a']]);
    expect(parseJsv('a', { maxDepth: 0 })).toBe('a');
  });
});

describe('parseJsv malformed input', () => {
  const cases: { name: string; text: string; position: number; message: RegExp }[] = [
    { name: 'unterminated quote', text: '"abc', position: 4, message: /expected a closing '"' for the quoted string that starts at offset 0/ },
    { name: 'unterminated quoted value', text: '{a:"b}', position: 6, message: /starts at offset 3/ },
    { name: 'unclosed object', text: '{a:b', position: 4, message: /expected ',' or '}' .*object opened at offset 0, but found end of input/ },
    { name: 'unclosed list', text: '[a,b', position: 4, message: /expected ',' or '\]' .*list opened at offset 0, but found end of input/ },
    { name: 'unclosed inner list', text: '{a:[b}', position: 5, message: /expected ',' or '\]' .*list opened at offset 3, but found '}'/ },
    { name: 'list closed by brace', text: '{a:b]', position: 4, message: /expected ',' or '}'.*found '\]'/ },
    { name: 'extra closing brace', text: '{a:b}}', position: 5, message: /unexpected '}' with no matching '\{'/ },
    { name: 'extra closing bracket', text: '[a]]', position: 3, message: /unexpected '\]' with no matching '\['/ },
    { name: 'lone closing brace', text: '}', position: 0, message: /no matching '\{'/ },
    { name: 'missing colon before brace', text: '{a}', position: 2, message: /expected ':' after key "a", but found '}'/ },
    { name: 'missing colon before comma', text: '{a,b:c}', position: 2, message: /expected ':' after key "a", but found ','/ },
    { name: 'missing colon after quoted key', text: '{"a" b:c}', position: 5, message: /expected ':' after key "a", but found 'b'/ },
    { name: 'missing colon at end', text: '{abc', position: 4, message: /expected ':' after key "abc", but found end of input/ },
    { name: 'missing key', text: '{:a}', position: 1, message: /expected a key, but found ':'/ },
    { name: 'trailing comma in object', text: '{a:1,}', position: 5, message: /expected a key, but found '}'/ },
    { name: 'trailing garbage after object', text: '{a:b} x', position: 6, message: /expected end of input after the top-level value, but found 'x'/ },
    { name: 'trailing garbage after list', text: '[a]\nb', position: 4, message: /expected end of input/ },
    { name: 'trailing garbage after quote', text: '"a" b', position: 4, message: /expected end of input/ },
    { name: 'top-level comma', text: 'a,b', position: 1, message: /expected end of input.*found ','/ },
    { name: 'garbage after quoted value', text: '{a:"x"y}', position: 6, message: /expected ',' or '}'.*found 'y'/ },
    { name: 'quote inside unquoted value', text: '{a:b"c}', position: 4, message: /unexpected '"' inside an unquoted value/ },
    { name: 'quote inside top-level value', text: 'ab"c', position: 2, message: /unexpected '"' inside an unquoted value/ },
    { name: 'quote inside unquoted key', text: '{a"b:c}', position: 2, message: /unexpected '"' inside an unquoted key/ },
    { name: 'brace inside unquoted value', text: '{a:b{c}}', position: 4, message: /unexpected '\{' inside an unquoted value/ },
    { name: 'bracket inside unquoted key', text: '{a[:b}', position: 2, message: /unexpected '\[' inside an unquoted key/ },
    { name: 'duplicate key', text: '{a:1,a:2}', position: 5, message: /duplicate key "a" in the object opened at offset 0/ },
    { name: 'duplicate quoted key', text: '{"a b":1, a b :2}', position: 10, message: /duplicate key "a b"/ },
    { name: 'newline shown escaped', text: '{a\n}', position: 3, message: /found '}'/ },
    { name: 'control character escaped', text: '{a:b}\n\u0001', position: 6, message: /found "\\u0001"/ },
  ];

  for (const testCase of cases) {
    it(`rejects ${testCase.name}`, () => {
      const error = syntaxErrorOf(testCase.text);
      expect(error.position).toBe(testCase.position);
      expect(error.message).toMatch(testCase.message);
      expect(error.message).toContain(`at offset ${testCase.position}`);
      expect(error.name).toBe('JsvSyntaxError');
    });
  }

  it('rejects nesting beyond maxDepth', () => {
    const error = syntaxErrorOf('[[a]]', { maxDepth: 1 });
    expect(error.position).toBe(1);
    expect(error.message).toMatch(/nesting is deeper than maxDepth 1/);
  });

  it('rejects nesting beyond the default depth', () => {
    const text = '['.repeat(65) + ']'.repeat(65);
    const error = syntaxErrorOf(text);
    expect(error.position).toBe(64);
    expect(parseJsv('['.repeat(64) + ']'.repeat(64))).toBeDefined();
  });

  it('rejects input beyond maxLength', () => {
    const error = syntaxErrorOf('abcdef', { maxLength: 5 });
    expect(error.position).toBe(5);
    expect(error.message).toMatch(/input is 6 characters long, more than maxLength 5/);
  });

  it('rejects input beyond the default length', () => {
    const error = syntaxErrorOf('a'.repeat(1_048_577));
    expect(error.position).toBe(1_048_576);
  });

  it('rejects invalid limit options', () => {
    expect(() => parseJsv('a', { maxDepth: -1 })).toThrow(RangeError);
    expect(() => parseJsv('a', { maxDepth: 1.5 })).toThrow(RangeError);
    expect(() => parseJsv('a', { maxLength: Number.NaN })).toThrow(/maxLength must be a non-negative integer/);
  });
});

describe('serializeJsv strings', () => {
  for (const character of SPECIAL_CHARACTERS) {
    it(`quotes a string containing ${JSON.stringify(character)}`, () => {
      const text = `a${character}b`;
      const expected = character === '"' ? '"a""b"' : `"${text}"`;
      expect(serializeJsv(text)).toBe(expected);
      expect(parseJsv(expected)).toBe(text);
    });
  }

  it('quotes the empty string', () => {
    expect(serializeJsv('')).toBe('""');
  });

  it('doubles inner quotes', () => {
    expect(serializeJsv('say "hi"')).toBe('"say ""hi"""');
  });

  it('quotes leading and trailing whitespace', () => {
    expect(serializeJsv(' a')).toBe('" a"');
    expect(serializeJsv('a\t')).toBe('"a\t"');
    expect(serializeJsv('\u00a0a')).toBe('"\u00a0a"');
    expect(serializeJsv('a\u0085')).toBe('"a\u0085"');
  });

  it('leaves inner whitespace unquoted', () => {
    expect(serializeJsv('two words')).toBe('two words');
  });

  it('quotes strings that start like containers', () => {
    expect(serializeJsv('{x')).toBe('"{x"');
    expect(serializeJsv('[1]')).toBe('"[1]"');
    expect(parseJsv(serializeJsv('[1]'))).toBe('[1]');
  });

  it('leaves number and boolean lookalikes bare', () => {
    expect(serializeJsv('42')).toBe('42');
    expect(serializeJsv('-1.5')).toBe('-1.5');
    expect(serializeJsv('true')).toBe('true');
  });

  it('quotes keys by the same rules', () => {
    expect(serializeJsv({ 'a:b': 'c', '': 'd', plain: 'e' })).toBe('{"a:b":c,"":d,plain:e}');
  });
});

describe('serializeJsv scalars', () => {
  it('writes numbers in invariant form', () => {
    expect(serializeJsv(0)).toBe('0');
    expect(serializeJsv(-0)).toBe('0');
    expect(serializeJsv(42)).toBe('42');
    expect(serializeJsv(-3.5)).toBe('-3.5');
    expect(serializeJsv(0.1)).toBe('0.1');
    expect(serializeJsv(123456789.125)).toBe('123456789.125');
    expect(serializeJsv(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
  });

  it('writes large and small numbers without exponent', () => {
    expect(serializeJsv(1e21)).toBe('1000000000000000000000');
    expect(serializeJsv(-1.25e22)).toBe('-12500000000000000000000');
    expect(serializeJsv(1e-7)).toBe('0.0000001');
    expect(serializeJsv(-1.5e-7)).toBe('-0.00000015');
    expect(serializeJsv(1.7976931348623157e308)).toBe('17976931348623157' + '0'.repeat(292));
    expect(serializeJsv(5e-324)).toBe('0.' + '0'.repeat(323) + '5');
  });

  it('writes every double as its exact value', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const text = serializeJsv(value);
        expect(text).toMatch(/^-?\d+(\.\d+)?$/);
        expect(Number(text)).toBe(value === 0 ? 0 : value);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects non-finite numbers', () => {
    expect(() => serializeJsv(Number.NaN)).toThrow(RangeError);
    expect(() => serializeJsv(Infinity)).toThrow(/only finite numbers/);
  });

  it('writes bigints', () => {
    expect(serializeJsv(-12345678901234567890n)).toBe('-12345678901234567890');
  });

  it('writes Decimals without exponent', () => {
    expect(serializeJsv(new Decimal('12.3400'))).toBe('12.34');
    expect(serializeJsv(new Decimal('1e30'))).toBe('1' + '0'.repeat(30));
    expect(serializeJsv(new Decimal('-1.5e-10'))).toBe('-0.00000000015');
    expect(serializeJsv(new Decimal('-0'))).toBe('0');
    expect(serializeJsv({ amount: new Decimal('0.0100') })).toBe('{amount:0.01}');
  });

  it('rejects non-finite Decimals', () => {
    expect(() => serializeJsv(new Decimal(Number.NaN))).toThrow(RangeError);
  });

  it('writes booleans', () => {
    expect(serializeJsv(true)).toBe('true');
    expect(serializeJsv({ active: false })).toBe('{active:false}');
  });

  it('writes dates at midnight UTC as dates', () => {
    expect(serializeJsv(new Date('2024-05-01T00:00:00Z'))).toBe('2024-05-01');
  });

  it('writes dates with times in UTC', () => {
    expect(serializeJsv(new Date('2024-05-01T10:30:00Z'))).toBe('2024-05-01T10:30:00Z');
    expect(serializeJsv(new Date('2024-05-01T00:00:00.001Z'))).toBe('2024-05-01T00:00:00.001Z');
    expect(serializeJsv(new Date('2024-05-01T23:59:59.120+02:00'))).toBe('2024-05-01T21:59:59.120Z');
    expect(serializeJsv(new Date('0001-01-01T00:00:00Z'))).toBe('0001-01-01');
  });

  it('rejects unrepresentable dates', () => {
    expect(() => serializeJsv(new Date(Number.NaN))).toThrow(/invalid Date/);
    expect(() => serializeJsv(new Date('+010000-01-01T00:00:00Z'))).toThrow(/year 10000/);
    expect(() => serializeJsv(new Date('0000-12-31T00:00:00Z'))).toThrow(/year 0/);
  });

  it('writes top-level null and undefined as empty', () => {
    expect(serializeJsv(null)).toBe('');
    expect(serializeJsv(undefined)).toBe('');
  });

  it('reads booleans in any case', () => {
    expect(parseJsvBoolean('true')).toBe(true);
    expect(parseJsvBoolean('TRUE')).toBe(true);
    expect(parseJsvBoolean('False')).toBe(false);
    expect(parseJsvBoolean('yes')).toBeUndefined();
    expect(parseJsvBoolean('')).toBeUndefined();
  });
});

describe('serializeJsv containers', () => {
  it('omits null and undefined properties', () => {
    expect(serializeJsv({ a: null, b: undefined, c: 'x', d: '' })).toBe('{c:x,d:""}');
    expect(serializeJsv({ a: null })).toBe('{}');
  });

  it('writes null list elements as empty', () => {
    expect(serializeJsv(['a', null, 'b', undefined])).toBe('[a,,b,]');
    expect(parseJsv('[a,,b,]')).toEqual(['a', '', 'b', '']);
  });

  it('writes nested lists of objects', () => {
    const value = [
      { id: 1, tags: ['a', 'b'] },
      { id: 2, tags: [], owner: { name: 'Smith, J' } },
    ];
    expect(serializeJsv(value)).toBe('[{id:1,tags:[a,b]},{id:2,tags:[],owner:{name:"Smith, J"}}]');
  });

  it('writes toJSON results', () => {
    const money = { toJSON: () => '9.99' };
    expect(serializeJsv({ price: money })).toBe('{price:9.99}');
    expect(serializeJsv({ toJSON: () => ({ a: 'b' }) })).toBe('{a:b}');
  });

  it('writes class instances by own properties', () => {
    class CallRecord {
      callSid = 'CA1';
      seconds = 61;
      describe(): string {
        return this.callSid;
      }
    }
    expect(serializeJsv(new CallRecord())).toBe('{callSid:CA1,seconds:61}');
  });

  it('writes keys exactly as given', () => {
    expect(serializeJsv({ AccountId: 'a', customer_id: 'b' })).toBe('{AccountId:a,customer_id:b}');
  });

  it('writes nesting up to the default depth', () => {
    const text = serializeJsv(nestedLists(JSV_DEFAULT_MAX_DEPTH));
    expect(text).toBe('['.repeat(64) + 'leaf' + ']'.repeat(64));
    expect(parseJsv(text)).toEqual(nestedLists(JSV_DEFAULT_MAX_DEPTH));
  });

  it('rejects nesting beyond the default depth', () => {
    expect(() => serializeJsv(nestedLists(JSV_DEFAULT_MAX_DEPTH + 1))).toThrow(RangeError);
  });

  it('rejects circular references', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(() => serializeJsv(cycle)).toThrow(/circular reference/);

    const selfReturning = { toJSON(): unknown { return selfReturning; } };
    expect(() => serializeJsv(selfReturning)).toThrow(/circular reference/);
  });

  it('writes shared non-circular references', () => {
    const shared = { a: 'b' };
    expect(serializeJsv([shared, shared])).toBe('[{a:b},{a:b}]');
  });

  it('rejects unsupported types', () => {
    expect(() => serializeJsv(new Map())).toThrow(/Map/);
    expect(() => serializeJsv(new Set())).toThrow(/Set/);
    expect(() => serializeJsv(() => 1)).toThrow(TypeError);
    expect(() => serializeJsv({ a: Symbol('s') })).toThrow(/symbol/);
  });
});
