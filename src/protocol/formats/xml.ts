/**
 * ServiceStack's XML format, which is .NET DataContractSerializer output.
 *
 * Writing: the root element is the DTO's data contract name in its contract namespace, members are
 * PascalCase child elements, every declared member is written and null is `i:nil="true"`. Lists
 * hold one element per item, lists of scalars and Dictionary<String,String> use the
 * Serialization/Arrays namespace, and an element whose content is in another namespace declares
 * it with a `d{depth}p1` prefix, as DataContractSerializer does.
 *
 * Reading: xml-reader.ts checks the document (no DTD, entities or processing instructions), then
 * the request spec decides which elements are lists, nested objects or text. Values stay strings
 * for the DTO binder.
 */
import { Decimal } from 'decimal.js';
import { BILLING_NAMESPACE, type FieldType, type TypeSpec } from '../dto.js';
import { FormatError, type SerializeContext, type TypeLookup, type WireFormat } from './format.js';
import { INVALID_XML_CHARACTER, readXml, XML_DEFAULT_MAX_DEPTH, XmlSyntaxError, XSI_NAMESPACE, type XmlElement } from './xml-reader.js';

export const XML_CONTENT_TYPE = 'application/xml';

const SERVICESTACK_NAMESPACE_URI = 'http://schemas.servicestack.net/types';
const DATA_CONTRACT_NAMESPACE_BASE = 'http://schemas.datacontract.org/2004/07/';
const ARRAYS_NAMESPACE_URI = 'http://schemas.microsoft.com/2003/10/Serialization/Arrays';
const DICTIONARY_OF_STRINGS = /^Dictionary<\s*String\s*,\s*String\s*>$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const NC_NAME = /^[A-Za-z_][\w.-]*$/;

/** The XSD names DataContractSerializer gives scalar list items and generic arguments. */
const SCALAR_CONTRACT_NAMES: Readonly<Record<string, string>> = {
  string: 'string',
  int: 'int',
  int32: 'int',
  long: 'long',
  int64: 'long',
  decimal: 'decimal',
  bool: 'boolean',
  boolean: 'boolean',
  datetime: 'dateTime',
  date: 'dateTime',
};

/**
 * Returns the data contract name of a DTO: the name itself, or for a generic such as
 * `ListResponse<AccountInfo>` the base name, "Of" and the argument names (`ListResponseOfAccountInfo`).
 */
export function dataContractName(typeName: string): string {
  const open = typeName.indexOf('<');
  if (open === -1 || !typeName.endsWith('>')) return typeName;

  const base = typeName.slice(0, open).trim();
  // NOTE: .NET appends a hash of the argument namespaces when they differ from the generic type's
  // namespace (e.g. ListResponse<String>); no DTO here has such an argument, so no hash is written.
  const argumentNames = splitTypeArguments(typeName.slice(open + 1, -1))
    .map((argument) => SCALAR_CONTRACT_NAMES[argument.toLowerCase()] ?? dataContractName(argument))
    .join('');
  if (base === 'Dictionary') return `ArrayOfKeyValueOf${argumentNames}`;
  if (base === 'List') return `ArrayOf${argumentNames}`;
  return `${base}Of${argumentNames}`;
}

/** Returns the XML namespace URI of a DTO: ServiceStack's own types have a fixed one, others follow the .NET namespace. */
export function dataContractNamespace(type: TypeSpec): string {
  return type.namespace === 'ServiceStack' ? SERVICESTACK_NAMESPACE_URI : DATA_CONTRACT_NAMESPACE_BASE + type.namespace;
}

function splitTypeArguments(text: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === '<') depth++;
    else if (character === '>') depth--;
    else if (character === ',' && depth === 0) {
      names.push(text.slice(start, index).trim());
      start = index + 1;
    }
  }
  names.push(text.slice(start).trim());
  return names;
}

/** Compares UTF-16 code units, as .NET's String.CompareOrdinal does. */
function compareOrdinal(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

interface ElementName {
  readonly localName: string;
  readonly namespaceUri: string;
}

/** The namespaces in scope where an element is written; prefixes maps namespace URI to prefix. */
interface Scope {
  readonly defaultNamespace: string;
  readonly prefixes: ReadonlyMap<string, string>;
  readonly depth: number;
}

const orderedFieldsCache = new WeakMap<TypeSpec, readonly { name: string; elementName: string; type: FieldType }[]>();

/**
 * Returns the members of a DTO in DataContract order. ServiceStack's own types declare
 * [DataMember(Order = n)] and their specs list fields in that order, so they keep it. Other DTOs
 * have no Order, and DataContractSerializer sorts those members by ordinal name comparison.
 */
function orderedFields(type: TypeSpec): readonly { name: string; elementName: string; type: FieldType }[] {
  let fields = orderedFieldsCache.get(type);
  if (!fields) {
    // NOTE: DataContractSerializer writes base-class members before derived ones; TypeSpec has no base
    // type, so a DTO that inherits in .NET (such as an EntityInfo base) is sorted as one flat list here.
    fields = type.fields.map((field) => ({ name: field.name, elementName: pascalCase(field.name), type: field.type }));
    if (type.namespace !== 'ServiceStack') {
      fields = [...fields].sort((a, b) => compareOrdinal(a.elementName, b.elementName));
    }
    orderedFieldsCache.set(type, fields);
  }
  return fields;
}

/**
 * Writer of one document. A string that contains a character XML 1.0 forbids (C0 controls other
 * than tab, LF and CR, lone surrogates, U+FFFE, U+FFFF) raises RangeError, because no XML reader
 * could read the result. .NET's XmlWriter also throws there under its default CheckCharacters,
 * which ServiceStack.Text's XmlSerializer keeps. CR is written as `&#xD;` so it reads back exactly.
 */
class DataContractWriter {
  private readonly parts: string[] = [];

  constructor(private readonly types: TypeLookup) {}

  writeDocument(value: unknown, type: TypeSpec | null, operationName: string): string {
    const isUntypedList = type === null && Array.isArray(value);
    const rootName: ElementName = type
      ? { localName: dataContractName(type.name), namespaceUri: dataContractNamespace(type) }
      : isUntypedList
        ? { localName: 'ArrayOfanyType', namespaceUri: ARRAYS_NAMESPACE_URI }
        : { localName: `${operationName}Response`, namespaceUri: DATA_CONTRACT_NAMESPACE_BASE + BILLING_NAMESPACE };

    this.parts.push('<?xml version="1.0" encoding="utf-8"?>');
    const rootTag = `<${rootName.localName} xmlns:i="${XSI_NAMESPACE}" xmlns="${escapeAttribute(rootName.namespaceUri, rootName.localName)}"`;
    if (value === null || value === undefined) {
      this.parts.push(`${rootTag} i:nil="true" />`);
      return this.parts.join('');
    }

    // Depth 0 is the document, so the root's content scope has depth 1 and a member's prefix is d2p1, as in .NET.
    const scope: Scope = { defaultNamespace: rootName.namespaceUri, prefixes: new Map([[XSI_NAMESPACE, 'i']]), depth: 0 };
    const rootType: FieldType | null = type ? { ref: type.name } : null;
    this.writeContent(rootTag, rootName, value, rootType, scope, rootName.localName, type ?? undefined);
    return this.parts.join('');
  }

  /** Writes `<name>` for a member or list item, with its value converted by the declared type (or by its own type when null). */
  private writeElement(name: ElementName, value: unknown, type: FieldType | null, scope: Scope, path: string): void {
    if (scope.depth + 1 > XML_DEFAULT_MAX_DEPTH) {
      throw new RangeError(`Cannot write ${path} as XML: it is nested deeper than ${XML_DEFAULT_MAX_DEPTH} levels, which the XML reader rejects`);
    }
    const qualifiedName = this.qualify(name, scope);
    if (value === null || value === undefined) {
      this.parts.push(`<${qualifiedName} i:nil="true" />`);
      return;
    }
    this.writeContent(`<${qualifiedName}`, name, value, type, scope, path);
  }

  /** Writes an element's content after its unfinished start tag, declaring the content's namespace there when needed. */
  private writeContent(startTag: string, name: ElementName, value: unknown, type: FieldType | null, scope: Scope, path: string, knownSpec?: TypeSpec): void {
    const depth = scope.depth + 1;

    const isList = type === null ? Array.isArray(value) : typeof type === 'object' && 'list' in type;
    if (isList) {
      if (!Array.isArray(value)) throw new TypeError(`Cannot write ${path} as XML: it is declared as a list but is ${describeValue(value)}`);
      const itemType = type !== null && typeof type === 'object' && 'list' in type ? type.list : null;
      const itemNamespace = itemType === null ? ARRAYS_NAMESPACE_URI : this.itemNamespace(itemType, name.namespaceUri);
      const { tag, contentScope } = this.declareContentNamespace(startTag, itemNamespace, scope, depth);
      this.writeChildren(tag, name, scope, () => {
        value.forEach((item: unknown, index) => {
          const itemName = itemType === null ? untypedItemName(item) : this.itemName(itemType);
          this.writeElement({ localName: itemName, namespaceUri: itemNamespace }, item, itemType, contentScope, `${path}[${index}]`);
        });
      });
      return;
    }

    if (type !== null && typeof type === 'object' && 'ref' in type && DICTIONARY_OF_STRINGS.test(type.ref)) {
      const { tag, contentScope } = this.declareContentNamespace(startTag, ARRAYS_NAMESPACE_URI, scope, depth);
      this.writeChildren(tag, name, scope, () => this.writeDictionary(value, contentScope, path));
      return;
    }

    if (type !== null && typeof type === 'object' && 'ref' in type) {
      const spec = knownSpec ?? this.types(type.ref);
      if (!spec) throw new TypeError(`Cannot write ${path} as XML: type ${type.ref} is not registered`);
      if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date || Decimal.isDecimal(value)) {
        throw new TypeError(`Cannot write ${path} as XML: ${spec.name} must be an object, not ${describeValue(value)}`);
      }
      const memberNamespace = dataContractNamespace(spec);
      const { tag, contentScope } = this.declareContentNamespace(startTag, memberNamespace, scope, depth);
      this.writeChildren(tag, name, scope, () => {
        for (const field of orderedFields(spec)) {
          const member: ElementName = { localName: field.elementName, namespaceUri: memberNamespace };
          this.writeElement(member, (value as Record<string, unknown>)[field.name], field.type, contentScope, `${path}.${field.elementName}`);
        }
      });
      return;
    }

    if (type === null && isPlainObject(value)) {
      const { tag, contentScope } = this.declareContentNamespace(startTag, name.namespaceUri, scope, depth);
      this.writeChildren(tag, name, scope, () => this.writeUntypedMembers(value, name.namespaceUri, contentScope, path));
      return;
    }

    const text = formatScalar(value, type, path);
    this.parts.push(`${startTag}>${escapeText(text, path)}</${this.qualify(name, scope)}>`);
  }

  /** Adds `xmlns:d{depth}p1` to the start tag when the content's namespace is neither the default nor already prefixed. */
  private declareContentNamespace(startTag: string, namespaceUri: string, scope: Scope, depth: number): { tag: string; contentScope: Scope } {
    if (namespaceUri === scope.defaultNamespace || scope.prefixes.has(namespaceUri)) {
      return { tag: startTag, contentScope: { ...scope, depth } };
    }
    const prefix = `d${depth}p1`;
    const prefixes = new Map(scope.prefixes).set(namespaceUri, prefix);
    return { tag: `${startTag} xmlns:${prefix}="${escapeAttribute(namespaceUri, prefix)}"`, contentScope: { defaultNamespace: scope.defaultNamespace, prefixes, depth } };
  }

  /** Finishes the start tag, runs writeBody, and ends the element; an element with no children becomes `<name />`. */
  private writeChildren(startTag: string, name: ElementName, scope: Scope, writeBody: () => void): void {
    this.parts.push(startTag);
    const startIndex = this.parts.length - 1;
    writeBody();
    if (this.parts.length === startIndex + 1) {
      this.parts[startIndex] = `${startTag} />`;
    } else {
      this.parts[startIndex] = `${startTag}>`;
      this.parts.push(`</${this.qualify(name, scope)}>`);
    }
  }

  private writeDictionary(value: unknown, scope: Scope, path: string): void {
    const entries = value instanceof Map ? [...value.entries()] : isPlainObject(value) ? Object.entries(value) : null;
    if (!entries) throw new TypeError(`Cannot write ${path} as XML: a Dictionary<String,String> must be an object or a Map, not ${describeValue(value)}`);

    if (scope.depth + 2 > XML_DEFAULT_MAX_DEPTH && entries.length > 0) {
      throw new RangeError(`Cannot write ${path} as XML: its entries are nested deeper than ${XML_DEFAULT_MAX_DEPTH} levels, which the XML reader rejects`);
    }
    const prefix = scope.prefixes.get(ARRAYS_NAMESPACE_URI);
    const qualify = (localName: string) => (prefix === undefined ? localName : `${prefix}:${localName}`);
    for (const [key, entry] of entries) {
      const keyText = escapeText(String(key), `${path}[${JSON.stringify(key)}]`);
      this.parts.push(`<${qualify('KeyValueOfstringstring')}><${qualify('Key')}>${keyText}</${qualify('Key')}>`);
      if (entry === null || entry === undefined) {
        this.parts.push(`<${qualify('Value')} i:nil="true" />`);
      } else {
        const entryPath = `${path}[${JSON.stringify(key)}]`;
        this.parts.push(`<${qualify('Value')}>${escapeText(formatScalar(entry, 'string', entryPath), entryPath)}</${qualify('Value')}>`);
      }
      this.parts.push(`</${qualify('KeyValueOfstringstring')}>`);
    }
  }

  /** Writes an undeclared object's own properties, PascalCase and sorted by ordinal name comparison. */
  private writeUntypedMembers(value: Record<string, unknown>, namespaceUri: string, scope: Scope, path: string): void {
    const byElementName = new Map<string, string>();
    for (const key of Object.keys(value)) {
      const elementName = pascalCase(key);
      if (!NC_NAME.test(elementName)) throw new TypeError(`Cannot write ${path} as XML: property name ${JSON.stringify(key)} is not a valid XML element name`);
      const other = byElementName.get(elementName);
      if (other !== undefined) throw new TypeError(`Cannot write ${path} as XML: properties ${JSON.stringify(other)} and ${JSON.stringify(key)} would both be <${elementName}>`);
      byElementName.set(elementName, key);
    }

    const elementNames = [...byElementName.keys()].sort(compareOrdinal);
    for (const elementName of elementNames) {
      const key = byElementName.get(elementName) ?? elementName;
      this.writeElement({ localName: elementName, namespaceUri }, value[key], null, scope, `${path}.${elementName}`);
    }
  }

  /** Returns the element name of one item of a list of itemType, as in ArrayOf{name}. */
  private itemName(itemType: FieldType): string {
    if (typeof itemType === 'string') return SCALAR_CONTRACT_NAMES[itemType] ?? itemType;
    if ('enum' in itemType) return itemType.enum;
    if ('list' in itemType) return `ArrayOf${this.itemName(itemType.list)}`;
    return dataContractName(itemType.ref);
  }

  /** Returns the namespace of the items of a list of itemType; enums, which declare no namespace, take the owner's. */
  private itemNamespace(itemType: FieldType, ownerNamespace: string): string {
    if (typeof itemType === 'string') return ARRAYS_NAMESPACE_URI;
    if ('enum' in itemType) return ownerNamespace;
    if ('list' in itemType) return this.itemNamespace(itemType.list, ownerNamespace);
    if (DICTIONARY_OF_STRINGS.test(itemType.ref)) return ARRAYS_NAMESPACE_URI;
    const spec = this.types(itemType.ref);
    if (!spec) throw new TypeError(`Cannot write a list of ${itemType.ref} as XML: the type is not registered`);
    return dataContractNamespace(spec);
  }

  private qualify(name: ElementName, scope: Scope): string {
    if (name.namespaceUri === scope.defaultNamespace) return name.localName;
    const prefix = scope.prefixes.get(name.namespaceUri);
    if (prefix === undefined) throw new Error(`No prefix is declared for namespace ${name.namespaceUri} of <${name.localName}>`);
    return `${prefix}:${name.localName}`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Names an item of an undeclared list by its own type, as DataContractSerializer names List<object> items. */
function untypedItemName(item: unknown): string {
  if (typeof item === 'string') return 'string';
  if (typeof item === 'boolean') return 'boolean';
  if (typeof item === 'bigint') return 'long';
  if (typeof item === 'number') return Number.isInteger(item) ? 'int' : 'decimal';
  if (item instanceof Date) return 'dateTime';
  if (Decimal.isDecimal(item)) return 'decimal';
  return 'anyType';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return isPlainObject(value) ? 'an object' : `a ${(value.constructor as Function | undefined)?.name ?? 'non-plain object'}`;
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}

/** Formats a scalar with invariant culture: exact decimal digits, no exponents, ISO-8601 UTC dates. */
function formatScalar(value: unknown, type: FieldType | null, path: string): string {
  if (typeof value === 'string') return type === 'date' && ISO_DATE.test(value) ? `${value}T00:00:00` : value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`Cannot write ${path} as XML: ${value} is not a finite number`);
    return formatDecimal(new Decimal(value));
  }
  if (Decimal.isDecimal(value)) {
    if (!value.isFinite()) throw new RangeError(`Cannot write ${path} as XML: ${value.toString()} is not a finite number`);
    return formatDecimal(value);
  }
  if (value instanceof Date) return formatDate(value, type === 'date', path);
  throw new TypeError(`Cannot write ${path} as XML: expected a scalar value, not ${describeValue(value)}`);
}

function formatDecimal(value: Decimal): string {
  // toFixed() never uses exponent notation, but it keeps the sign of -0.
  return value.isZero() ? '0' : value.toFixed();
}

/** Formats a Date as `yyyy-MM-ddTHH:mm:ss.fffZ`, or for a 'date' field as its UTC day `yyyy-MM-ddT00:00:00`. */
function formatDate(value: Date, dateOnly: boolean, path: string): string {
  if (Number.isNaN(value.getTime())) throw new RangeError(`Cannot write ${path} as XML: the Date is invalid`);
  const year = value.getUTCFullYear();
  if (year < 1 || year > 9999) throw new RangeError(`Cannot write ${path} as XML: year ${year} is outside .NET DateTime's range of 1 to 9999`);
  const iso = value.toISOString();
  return dateOnly ? `${iso.slice(0, 10)}T00:00:00` : iso;
}

/** Escapes element content: `&`, `<` and `>`, plus CR as `&#xD;` so that end-of-line normalization keeps it. */
function escapeText(text: string, path: string): string {
  checkCharacters(text, path);
  return text.replace(/[&<>\r]/g, (character) => TEXT_ESCAPES[character] ?? character);
}

/** Escapes an attribute value: as escapeText, plus `"`, and tab and LF, which attribute normalization would turn into spaces. */
function escapeAttribute(text: string, path: string): string {
  checkCharacters(text, path);
  return text.replace(/[&<>"\t\n\r]/g, (character) => ATTRIBUTE_ESCAPES[character] ?? character);
}

/** Rejects the characters DataContractWriter cannot write; see its documentation. */
function checkCharacters(text: string, path: string): void {
  const invalid = INVALID_XML_CHARACTER.exec(text);
  if (invalid) {
    const codePoint = invalid[0].codePointAt(0) ?? 0;
    const name = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
    throw new RangeError(`Cannot write ${path} as XML: it contains ${name} at index ${invalid.index}, which XML 1.0 does not allow even as a character reference`);
  }
}

const TEXT_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = { ...TEXT_ESCAPES, '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;' };

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/**
 * Reads a request body into plain values for the DTO binder: an object keyed by element local
 * name, nested objects for `{ ref }` fields, arrays for list fields, null for `i:nil="true"`,
 * and strings for everything else. Elements that the spec does not declare are skipped, as
 * ServiceStack ignores unknown members.
 */
function readBody(body: string, type: TypeSpec, types: TypeLookup): Record<string, unknown> {
  let root: XmlElement;
  try {
    root = readXml(body);
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw new FormatError(`The XML body could not be read: ${error.message}`);
    throw error;
  }

  const expected = dataContractName(type.name);
  if (root.localName.toLowerCase() !== expected.toLowerCase()) {
    throw new FormatError(`The XML root element must be <${expected}> for this operation, not <${root.name}>.`);
  }
  return isNil(root) ? {} : readObject(root, type, types);
}

function readObject(element: XmlElement, type: TypeSpec | null, types: TypeLookup): Record<string, unknown> {
  rejectText(element);
  const fields = type ? new Map(type.fields.map((field) => [field.name.toLowerCase(), field])) : null;
  const result: Record<string, unknown> = {};
  const seen = new Set<string>();

  for (const child of childElements(element)) {
    const key = child.localName.toLowerCase();
    const field = fields?.get(key);
    if (fields && !field) continue;

    const fieldName = field?.name ?? child.localName;
    if (seen.has(key)) {
      throw new FormatError(`The XML body gives <${child.localName}> more than once inside <${element.localName}>; send each field once.`, fieldName);
    }
    seen.add(key);

    const value = field ? readValue(child, field.type, types, fieldName) : readUntyped(child, types);
    // defineProperty stores a name such as __proto__ as an own property instead of calling its setter.
    Object.defineProperty(result, child.localName, { value, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

function readValue(element: XmlElement, type: FieldType, types: TypeLookup, fieldName: string): unknown {
  if (isNil(element)) return null;
  if (typeof type === 'object' && 'list' in type) {
    rejectText(element, fieldName);
    return childElements(element).map((item) => readValue(item, type.list, types, fieldName));
  }
  if (typeof type === 'object' && 'ref' in type) {
    if (DICTIONARY_OF_STRINGS.test(type.ref)) return readDictionary(element, fieldName);
    return readObject(element, types(type.ref) ?? null, types);
  }
  return readText(element, fieldName);
}

/** Reads an element of an unregistered type: text when it has no child elements, otherwise an object. */
function readUntyped(element: XmlElement, types: TypeLookup): unknown {
  if (isNil(element)) return null;
  return childElements(element).length === 0 ? readText(element, element.localName) : readObject(element, null, types);
}

function readDictionary(element: XmlElement, fieldName: string): Record<string, string | null> {
  rejectText(element, fieldName);
  const result: Record<string, string | null> = {};
  for (const entry of childElements(element)) {
    rejectText(entry, fieldName);
    const parts = childElements(entry);
    const keyElement = parts.find((part) => part.localName.toLowerCase() === 'key');
    const valueElement = parts.find((part) => part.localName.toLowerCase() === 'value');
    if (!keyElement) throw new FormatError(`Each entry of <${element.localName}> needs a <Key> element.`, fieldName);

    const key = readText(keyElement, fieldName);
    if (Object.hasOwn(result, key)) throw new FormatError(`<${element.localName}> gives the key '${key}' more than once; send each key once.`, fieldName);
    const value = valueElement === undefined || isNil(valueElement) ? null : readText(valueElement, fieldName);
    Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

function readText(element: XmlElement, fieldName: string): string {
  let text = '';
  for (const child of element.children) {
    if (typeof child !== 'string') {
      throw new FormatError(`<${element.localName}> must contain text, not the element <${child.name}>.`, fieldName);
    }
    text += child;
  }
  return text;
}

function rejectText(element: XmlElement, fieldName?: string): void {
  const text = element.children.find((child): child is string => typeof child === 'string' && /[^ \t\r\n]/.test(child));
  if (text !== undefined) {
    const trimmed = text.trim();
    const excerpt = trimmed.length > 40 ? `${trimmed.slice(0, 37)}...` : trimmed;
    throw new FormatError(`<${element.localName}> must contain only elements, but contains the text '${excerpt}'.`, fieldName);
  }
}

function childElements(element: XmlElement): XmlElement[] {
  return element.children.filter((child): child is XmlElement => typeof child !== 'string');
}

function isNil(element: XmlElement): boolean {
  return element.attributes.some(
    (attribute) => attribute.localName === 'nil' && attribute.namespaceUri === XSI_NAMESPACE && /^\s*(true|1)\s*$/.test(attribute.value),
  );
}

export const xmlFormat: WireFormat = {
  name: 'xml',
  contentType: XML_CONTENT_TYPE,
  mediaTypes: ['application/xml', 'text/xml'],
  parse: (body, { type, types }) => readBody(body, type, types),
  serialize: (value: unknown, context: SerializeContext) => new DataContractWriter(context.types).writeDocument(value, context.type, context.operationName),
};
