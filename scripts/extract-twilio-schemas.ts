/**
 * Extracts the JSON schemas of Twilio's call and call-recording responses from Twilio's OpenAPI
 * description of REST API v2010 into test/support/twilio-schemas.json, which the Twilio stand-in
 * validates its responses against. It inlines every $ref and converts OpenAPI 3.0 `nullable` to
 * JSON Schema type unions, then checks that Twilio's own response examples pass the result.
 *
 * Usage: npx tsx scripts/extract-twilio-schemas.ts PATH/TO/twilio_api_v2010.json
 * The file is spec/json/twilio_api_v2010.json in the twilio/twilio-oai repository on GitHub.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnySchemaObject } from 'ajv';
import { createTwilioAjv } from '../test/support/twilio-standin.js';

type JsonObject = Record<string, unknown>;

interface ExtractedSchema {
  name: string;
  method: 'get';
  path: string;
}

// Each schema is taken from the 200 response of the operation that returns it.
const EXTRACTED: ExtractedSchema[] = [
  { name: 'call', method: 'get', path: '/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json' },
  { name: 'callList', method: 'get', path: '/2010-04-01/Accounts/{AccountSid}/Calls.json' },
  { name: 'callRecording', method: 'get', path: '/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Recordings/{Sid}.json' },
  { name: 'callRecordingList', method: 'get', path: '/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json' },
];

const RECORDING_PRICE_NOTE =
  'Widened from "number" in the OpenAPI file, whose own recording examples carry decimal strings such as "-0.0025".';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outputPath = resolve(repositoryRoot, 'test/support/twilio-schemas.json');

function main(): void {
  const inputPath = process.argv[2];
  if (inputPath === undefined || process.argv.length > 3) {
    console.error('Usage: npx tsx scripts/extract-twilio-schemas.ts PATH/TO/twilio_api_v2010.json');
    console.error('The file is spec/json/twilio_api_v2010.json in the twilio/twilio-oai repository on GitHub.');
    process.exit(2);
  }

  const sourceText = readFileSync(inputPath, 'utf8');
  const openApi = JSON.parse(sourceText) as JsonObject;
  const componentSchemas = getPath(openApi, ['components', 'schemas']) as JsonObject;

  const output: JsonObject = { $comment: headerComment(openApi, sourceText) };
  for (const extracted of EXTRACTED) {
    const response = responseOf(openApi, extracted);
    const schema = convertSchema(response.schema, componentSchemas, []);
    schema['$comment'] = `Response body of ${extracted.method.toUpperCase()} ${extracted.path}`;
    output[extracted.name] = schema;
  }
  widenRecordingPrice(output);

  checkExamples(openApi, output);
  writeFileSync(outputPath, `${JSON.stringify(output, null, 2)}\n`);
  console.log(`Wrote ${EXTRACTED.length} schemas to ${outputPath}`);
}

function headerComment(openApi: JsonObject, sourceText: string): string {
  const licenseName = getPath(openApi, ['info', 'license', 'name']);
  const sha256 = createHash('sha256').update(sourceText).digest('hex');
  return [
    "Extracted from Twilio's OpenAPI description of REST API v2010 (twilio_api_v2010.json,",
    `sha256 ${sha256}, from the twilio/twilio-oai repository), copyright Twilio, Inc.`,
    `The file's info.license names the ${String(licenseName)} license; the LICENSE file that came with it, copied to TWILIO-LICENSE, is the MIT license.`,
    'References are inlined and OpenAPI "nullable" is converted to JSON Schema type unions.',
    'Regenerate with: npx tsx scripts/extract-twilio-schemas.ts PATH/TO/twilio_api_v2010.json',
  ].join(' ');
}

function responseOf(openApi: JsonObject, extracted: ExtractedSchema): { schema: JsonObject; examples: unknown[] } {
  const content = getPath(openApi, ['paths', extracted.path, extracted.method, 'responses', '200', 'content', 'application/json']);
  if (!isObject(content) || !isObject(content['schema'])) {
    throw new Error(`The OpenAPI file has no JSON 200 response for ${extracted.method.toUpperCase()} ${extracted.path}`);
  }
  const examples = isObject(content['examples'])
    ? Object.values(content['examples']).map((example) => (isObject(example) ? example['value'] : undefined))
    : [];
  return { schema: content['schema'], examples: examples.filter((value) => value !== undefined) };
}

/**
 * Converts an OpenAPI 3.0 schema object to JSON Schema: resolves "#/components/schemas/..."
 * references by copying the target in place and turns `nullable: true` into a type union.
 */
function convertSchema(schema: JsonObject, components: JsonObject, referenceChain: string[]): JsonObject {
  const reference = schema['$ref'];
  if (typeof reference === 'string') {
    // OpenAPI 3.0 ignores keywords beside $ref, so meeting one means the input is not what this script expects.
    const siblings = Object.keys(schema).filter((key) => key !== '$ref');
    if (siblings.length > 0) {
      throw new Error(`$ref ${reference} has sibling keywords ${siblings.join(', ')}, which this script does not merge`);
    }
    return convertSchema(resolveReference(reference, components, referenceChain), components, [...referenceChain, reference]);
  }

  const result: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable') {
      continue;
    }
    if (key === 'properties' && isObject(value)) {
      result[key] = Object.fromEntries(
        Object.entries(value).map(([name, property]) => [name, convertSubschema(property, components, referenceChain)]),
      );
    } else if (['items', 'additionalProperties', 'not'].includes(key) && isObject(value)) {
      result[key] = convertSchema(value, components, referenceChain);
    } else if (['allOf', 'anyOf', 'oneOf'].includes(key) && Array.isArray(value)) {
      result[key] = value.map((item) => convertSubschema(item, components, referenceChain));
    } else {
      result[key] = structuredClone(value);
    }
  }

  if (schema['nullable'] === true) {
    addNull(result);
  }
  return result;
}

function convertSubschema(value: unknown, components: JsonObject, referenceChain: string[]): JsonObject {
  if (!isObject(value)) {
    throw new Error(`Expected a schema object, got ${JSON.stringify(value)}`);
  }
  return convertSchema(value, components, referenceChain);
}

function resolveReference(reference: string, components: JsonObject, referenceChain: string[]): JsonObject {
  const prefix = '#/components/schemas/';
  if (!reference.startsWith(prefix)) {
    throw new Error(`Unsupported $ref ${reference}: only ${prefix}... references are resolved`);
  }
  if (referenceChain.includes(reference)) {
    throw new Error(`Recursive $ref ${reference} cannot be inlined (chain: ${referenceChain.join(' -> ')})`);
  }
  const target = components[reference.slice(prefix.length)];
  if (!isObject(target)) {
    throw new Error(`$ref ${reference} does not name a schema in components.schemas`);
  }
  return target;
}

// A schema without a type already admits null, so only typed schemas and enums need changing.
function addNull(schema: JsonObject): void {
  const type = schema['type'];
  if (typeof type === 'string') {
    schema['type'] = [type, 'null'];
  } else if (Array.isArray(type) && !type.includes('null')) {
    schema['type'] = [...type, 'null'];
  }
  const values = schema['enum'];
  if (Array.isArray(values) && !values.includes(null)) {
    schema['enum'] = [...values, null];
  }
}

/**
 * Lets recording prices be strings. The OpenAPI file declares them numbers, yet its recording
 * examples carry strings, so Twilio's examples would fail the schema as written.
 */
function widenRecordingPrice(output: JsonObject): void {
  const recording = output['callRecording'];
  const listItem = getPath(output, ['callRecordingList', 'properties', 'recordings', 'items']);
  for (const schema of [recording, listItem]) {
    const price = getPath(schema, ['properties', 'price']);
    if (!isObject(price)) {
      throw new Error('The call recording schema has no "price" property');
    }
    const type = price['type'];
    if (!Array.isArray(type) || !type.includes('number')) {
      console.warn(`Recording price type is now ${JSON.stringify(type)}, so the widening to string may no longer be needed`);
      continue;
    }
    price['type'] = ['string', ...type];
    price['$comment'] = RECORDING_PRICE_NOTE;
  }
}

// Twilio's examples are real responses, so each must pass the converted schemas.
function checkExamples(openApi: JsonObject, output: JsonObject): void {
  const ajv = createTwilioAjv();
  for (const extracted of EXTRACTED) {
    const validate = ajv.compile(output[extracted.name] as AnySchemaObject);
    const { examples } = responseOf(openApi, extracted);
    for (const example of examples) {
      if (!validate(example)) {
        throw new Error(`Twilio's example for ${extracted.path} fails the extracted schema: ${ajv.errorsText(validate.errors)}`);
      }
    }
    console.log(`${extracted.name}: ${examples.length} example(s) from the OpenAPI file pass`);
  }
}

function getPath(value: unknown, keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isObject(current)) {
      return undefined;
    }
    current = current[key];
  }
  return current;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

main();
