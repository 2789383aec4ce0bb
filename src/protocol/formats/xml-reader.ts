/**
 * A small, strict, namespace-aware XML 1.0 reader for request bodies.
 *
 * It reads elements, attributes, text, CDATA sections and comments into a tree. It never
 * processes a DTD: a DOCTYPE, any other markup declaration and every processing instruction
 * except the XML declaration are rejected, and the only entity references it decodes are the
 * five predefined ones and character references. So entity expansion (billion laughs) and
 * external entities (XXE) cannot happen, and reading time grows linearly with the input length.
 */

/** Default nesting limit for readXml; the root element is level 1. */
export const XML_DEFAULT_MAX_DEPTH = 64;

/** Default input limit for readXml, in UTF-16 code units: ServiceStack.Text XmlSerializer's default MaxCharactersInDocument. */
export const XML_DEFAULT_MAX_LENGTH = 1_048_576;

export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

/**
 * Matches a character that XML 1.0 forbids in a document, even as a character reference:
 * C0 controls other than tab, LF and CR, lone surrogates, U+FFFE and U+FFFF.
 */
export const INVALID_XML_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export interface XmlReadOptions {
  /** Maximum element nesting. Default XML_DEFAULT_MAX_DEPTH. */
  maxDepth?: number;
  /** Maximum input length in UTF-16 code units. Default XML_DEFAULT_MAX_LENGTH. */
  maxLength?: number;
}

export interface XmlAttribute {
  /** The qualified name as written, such as `i:nil`. */
  readonly name: string;
  readonly localName: string;
  /** The namespace URI, or '' for an unprefixed attribute. */
  readonly namespaceUri: string;
  readonly value: string;
}

export interface XmlElement {
  /** The qualified name as written, such as `d2p1:string`. */
  readonly name: string;
  readonly localName: string;
  /** The namespace URI, or '' when the element is in no namespace. */
  readonly namespaceUri: string;
  /** Attributes other than namespace declarations. */
  readonly attributes: readonly XmlAttribute[];
  /** Child elements and text; adjacent text, CDATA and references are merged into one string, and comments are dropped. */
  readonly children: XmlNode[];
}

export type XmlNode = XmlElement | string;

/** Malformed or rejected XML input, with the 1-based line and column where the problem was found. */
export class XmlSyntaxError extends Error {
  constructor(
    detail: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`Invalid XML at line ${line}, column ${column}: ${detail}`);
    this.name = 'XmlSyntaxError';
  }
}

/**
 * Reads an XML document and returns its root element.
 *
 * @throws {XmlSyntaxError} for malformed XML, a DOCTYPE or other markup declaration, a processing
 *   instruction, an undefined entity, an undeclared namespace prefix, an encoding other than UTF-8,
 *   or input beyond maxDepth or maxLength.
 */
export function readXml(text: string, options: XmlReadOptions = {}): XmlElement {
  const maxDepth = options.maxDepth ?? XML_DEFAULT_MAX_DEPTH;
  const maxLength = options.maxLength ?? XML_DEFAULT_MAX_LENGTH;
  if (text.length > maxLength) {
    throw new XmlSyntaxError(`the body is ${text.length} characters long, more than the limit of ${maxLength}`, 1, 1);
  }
  return new XmlReader(text, maxDepth).read();
}

const PREDEFINED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['apos', "'"],
  ['quot', '"'],
]);

// The Name production of XML 1.0 (fifth edition).
const NAME_START_CHARS =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D' +
  '\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_CHARS = `${NAME_START_CHARS}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const NAME = new RegExp(`[${NAME_START_CHARS}][${NAME_CHARS}]*`, 'uy');

const XML_DECLARATION =
  /^<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1(?:\s+encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\4)?\s*\?>/;

// The reader gets text that the server has already decoded as UTF-8, so a body that declares another
// encoding was decoded with the wrong one.
const ACCEPTED_ENCODINGS = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

// The text between "&" and ";" of an entity or character reference; anything else is a stray "&".
const REFERENCE = /^(?:#[0-9]+|#x[0-9A-Fa-f]+|[^\s&<;#][^\s&<;]*)$/;

/**
 * The namespace declarations of one element (prefix to URI, '' for the default namespace), linked
 * to its parent's, so an element that declares a namespace never copies the declarations above it.
 */
interface NamespaceScope {
  readonly declarations: ReadonlyMap<string, string>;
  readonly parent: NamespaceScope | null;
}

const ROOT_SCOPE: NamespaceScope = {
  declarations: new Map([
    ['', ''],
    ['xml', XML_NAMESPACE],
  ]),
  parent: null,
};

function lookUpNamespace(scope: NamespaceScope, prefix: string): string | undefined {
  for (let current: NamespaceScope | null = scope; current !== null; current = current.parent) {
    const namespaceUri = current.declarations.get(prefix);
    if (namespaceUri !== undefined) return namespaceUri;
  }
  return undefined;
}

interface RawAttribute {
  name: string;
  value: string;
  start: number;
}

interface OpenElement {
  element: XmlElement;
  scope: NamespaceScope;
  start: number;
}

interface StartTag extends OpenElement {
  selfClosing: boolean;
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function describeCodePoint(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

class XmlReader {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  read(): XmlElement {
    if (this.text.charCodeAt(0) === 0xfeff) this.position = 1;
    this.checkCharacters();
    this.readXmlDeclaration();

    this.skipMisc();
    if (this.position >= this.text.length) this.fail('the body contains no root element');
    if (this.text.charCodeAt(this.position) !== 0x3c) this.fail('text is not allowed before the root element');

    const root = this.readElementTree();

    this.skipMisc();
    if (this.position < this.text.length) {
      const found = this.text.startsWith('<', this.position) ? 'a second element' : 'text';
      this.fail(`${found} after the end of the root element <${root.name}>; a document has exactly one root element`);
    }
    return root;
  }

  private checkCharacters(): void {
    const match = INVALID_XML_CHARACTER.exec(this.text);
    if (match) {
      const codePoint = match[0].codePointAt(0) ?? 0;
      this.fail(`character ${describeCodePoint(codePoint)} is not allowed in XML 1.0`, match.index);
    }
  }

  private readXmlDeclaration(): void {
    const rest = this.text.slice(this.position, this.position + 200);
    if (!/^<\?xml[\s?]/.test(rest)) return;

    const match = XML_DECLARATION.exec(rest);
    if (!match) {
      this.fail('invalid XML declaration; expected <?xml version="1.0" encoding="utf-8"?>');
    }
    const encoding = match[3];
    if (encoding !== undefined && !ACCEPTED_ENCODINGS.has(encoding.toLowerCase())) {
      this.fail(`the XML declaration gives encoding "${encoding}", but the body is read as UTF-8; send UTF-8 and declare encoding="utf-8" or leave it out`);
    }
    this.position += match[0].length;
  }

  /** Skips whitespace and comments outside the root element, and rejects everything else that is not an element. */
  private skipMisc(): void {
    for (;;) {
      this.skipWhitespace();
      if (this.text.startsWith('<!--', this.position)) {
        this.skipComment();
      } else if (this.text.startsWith('<?', this.position) || this.text.startsWith('<!', this.position)) {
        this.rejectMarkup();
      } else {
        return;
      }
    }
  }

  /** Reads the root element and everything inside it, keeping an explicit stack so deep input cannot overflow the call stack. */
  private readElementTree(): XmlElement {
    const rootTag = this.readStartTag(ROOT_SCOPE, 1);
    if (rootTag.selfClosing) return rootTag.element;

    const stack: OpenElement[] = [rootTag];
    for (;;) {
      const current = stack[stack.length - 1];
      if (current === undefined) return rootTag.element;

      const tagStart = this.text.indexOf('<', this.position);
      if (tagStart === -1) {
        this.fail(`element <${current.element.name}> is not closed before the end of the body`, this.text.length);
      }
      if (tagStart > this.position) this.appendText(current.element, this.decodeText(this.position, tagStart));
      this.position = tagStart;

      if (this.text.startsWith('</', this.position)) {
        this.readEndTag(current);
        stack.pop();
      } else if (this.text.startsWith('<!--', this.position)) {
        this.skipComment();
      } else if (this.text.startsWith('<![CDATA[', this.position)) {
        this.appendText(current.element, this.readCData());
      } else if (this.text.startsWith('<?', this.position) || this.text.startsWith('<!', this.position)) {
        this.rejectMarkup();
      } else {
        const child = this.readStartTag(current.scope, stack.length + 1);
        current.element.children.push(child.element);
        if (!child.selfClosing) stack.push(child);
      }
    }
  }

  private readStartTag(parentScope: NamespaceScope, depth: number): StartTag {
    const start = this.position;
    if (depth > this.maxDepth) this.fail(`elements are nested deeper than the limit of ${this.maxDepth} levels`);

    this.position++;
    const name = this.readName('an element name after "<"');
    const rawAttributes: RawAttribute[] = [];
    const attributeNames = new Set<string>();
    let selfClosing: boolean;

    for (;;) {
      const hadWhitespace = this.skipWhitespace();
      if (this.text.startsWith('/>', this.position)) {
        this.position += 2;
        selfClosing = true;
        break;
      }
      if (this.text.charCodeAt(this.position) === 0x3e) {
        this.position++;
        selfClosing = false;
        break;
      }
      if (this.position >= this.text.length) this.fail(`start tag <${name}> is not closed before the end of the body`);
      if (!hadWhitespace) this.fail(`expected whitespace, ">" or "/>" in start tag <${name}>, but found ${this.describeCurrent()}`);

      const attributeStart = this.position;
      const attributeName = this.readName(`an attribute name or ">" in start tag <${name}>`);
      this.skipWhitespace();
      if (this.text.charCodeAt(this.position) !== 0x3d) this.fail(`expected "=" after attribute ${attributeName} in <${name}>, but found ${this.describeCurrent()}`);
      this.position++;
      this.skipWhitespace();
      const value = this.readAttributeValue(attributeName);
      if (attributeNames.has(attributeName)) this.fail(`attribute ${attributeName} appears more than once in <${name}>`, attributeStart);
      attributeNames.add(attributeName);
      rawAttributes.push({ name: attributeName, value, start: attributeStart });
    }

    const scope = this.declareNamespaces(parentScope, rawAttributes, name);
    const [prefix, localName] = this.splitQualifiedName(name, start + 1);
    const namespaceUri = this.resolvePrefix(scope, prefix, name, start);
    const attributes = this.resolveAttributes(scope, rawAttributes, name);

    return { element: { name, localName, namespaceUri, attributes, children: [] }, scope, start, selfClosing };
  }

  /** Applies the xmlns and xmlns:prefix attributes of one start tag, sharing the parent's scope when it declares none. */
  private declareNamespaces(parentScope: NamespaceScope, attributes: readonly RawAttribute[], elementName: string): NamespaceScope {
    let declarations: Map<string, string> | undefined;
    for (const attribute of attributes) {
      let prefix: string;
      if (attribute.name === 'xmlns') {
        prefix = '';
      } else if (attribute.name.startsWith('xmlns:')) {
        prefix = this.splitQualifiedName(attribute.name, attribute.start)[1];
        if (attribute.value === '') this.fail(`namespace prefix ${prefix} in <${elementName}> is declared with an empty URI, which XML 1.0 namespaces do not allow`, attribute.start);
      } else {
        continue;
      }

      const bindsXmlPrefix = prefix === 'xml';
      const isXmlNamespace = attribute.value === XML_NAMESPACE;
      if (prefix === 'xmlns' || attribute.value === XMLNS_NAMESPACE || bindsXmlPrefix !== isXmlNamespace) {
        this.fail(`namespace declaration ${attribute.name}="${attribute.value}" in <${elementName}> rebinds a reserved prefix or namespace`, attribute.start);
      }
      declarations ??= new Map();
      declarations.set(prefix, attribute.value);
    }
    return declarations ? { declarations, parent: parentScope } : parentScope;
  }

  private resolveAttributes(scope: NamespaceScope, attributes: readonly RawAttribute[], elementName: string): XmlAttribute[] {
    const resolved: XmlAttribute[] = [];
    const expandedNames = new Set<string>();
    for (const attribute of attributes) {
      if (attribute.name === 'xmlns' || attribute.name.startsWith('xmlns:')) continue;
      const [prefix, localName] = this.splitQualifiedName(attribute.name, attribute.start);
      // Unprefixed attributes are in no namespace, whatever the default namespace is.
      const namespaceUri = prefix === '' ? '' : this.resolvePrefix(scope, prefix, attribute.name, attribute.start);
      const expandedName = `{${namespaceUri}}${localName}`;
      if (expandedNames.has(expandedName)) {
        this.fail(`attribute ${attribute.name} in <${elementName}> repeats an attribute of the same namespace and name`, attribute.start);
      }
      expandedNames.add(expandedName);
      resolved.push({ name: attribute.name, localName, namespaceUri, value: attribute.value });
    }
    return resolved;
  }

  private resolvePrefix(scope: NamespaceScope, prefix: string, qualifiedName: string, position: number): string {
    const namespaceUri = lookUpNamespace(scope, prefix);
    if (namespaceUri === undefined) this.fail(`namespace prefix "${prefix}" of ${qualifiedName} is not declared`, position);
    return namespaceUri;
  }

  /** Splits `prefix:local` into its parts; an unprefixed name gives ['', name]. */
  private splitQualifiedName(name: string, position: number): [string, string] {
    const colon = name.indexOf(':');
    if (colon === -1) return ['', name];
    if (colon === 0 || colon === name.length - 1 || name.indexOf(':', colon + 1) !== -1) {
      this.fail(`"${name}" is not a valid qualified name; use at most one ":" between a prefix and a local name`, position);
    }
    return [name.slice(0, colon), name.slice(colon + 1)];
  }

  private readEndTag(open: OpenElement): void {
    const start = this.position;
    this.position += 2;
    const name = this.readName('an element name after "</"');
    this.skipWhitespace();
    if (this.text.charCodeAt(this.position) !== 0x3e) this.fail(`expected ">" to end the end tag </${name}>, but found ${this.describeCurrent()}`);
    if (name !== open.element.name) {
      const { line, column } = this.lineAndColumn(open.start);
      this.fail(`end tag </${name}> does not match the start tag <${open.element.name}> at line ${line}, column ${column}`, start);
    }
    this.position++;
  }

  private readAttributeValue(attributeName: string): string {
    const quote = this.text.charAt(this.position);
    if (quote !== '"' && quote !== "'") this.fail(`expected a quoted value for attribute ${attributeName}, but found ${this.describeCurrent()}`);

    const start = this.position + 1;
    const end = this.text.indexOf(quote, start);
    if (end === -1) this.fail(`the value of attribute ${attributeName} is not closed with ${quote}`);
    const raw = this.text.slice(start, end);
    const lessThan = raw.indexOf('<');
    if (lessThan !== -1) this.fail(`"<" is not allowed in the value of attribute ${attributeName}; write &lt;`, start + lessThan);

    this.position = end + 1;
    return this.decodeReferences(raw, start, normalizeAttributeWhitespace);
  }

  private decodeText(start: number, end: number): string {
    // Every search below stays inside this slice, so many short text nodes still cost linear time.
    const raw = this.text.slice(start, end);
    const cdataEnd = raw.indexOf(']]>');
    if (cdataEnd !== -1) this.fail('"]]>" is not allowed in text; write ]]&gt;', start + cdataEnd);
    return this.decodeReferences(raw, start, normalizeLineEnds);
  }

  /** Decodes the references in `raw`, which starts at `offset` in the body, applying `normalize` to the literal text between them only. */
  private decodeReferences(raw: string, offset: number, normalize: (literal: string) => string): string {
    let result = '';
    let chunkStart = 0;
    for (;;) {
      const ampersand = raw.indexOf('&', chunkStart);
      if (ampersand === -1) return result + normalize(raw.slice(chunkStart));

      result += normalize(raw.slice(chunkStart, ampersand));
      // A failed search throws below, so each "&" costs at most one scan and reading stays linear.
      const semicolon = raw.indexOf(';', ampersand);
      const reference = semicolon === -1 ? '' : raw.slice(ampersand + 1, semicolon);
      if (!REFERENCE.test(reference)) {
        this.fail('"&" must start a reference such as &amp; or &#60;; write a literal "&" as &amp;', offset + ampersand);
      }
      result += this.decodeReference(reference, offset + ampersand);
      chunkStart = semicolon + 1;
    }
  }

  private decodeReference(reference: string, position: number): string {
    const predefined = PREDEFINED_ENTITIES.get(reference);
    if (predefined !== undefined) return predefined;

    let codePoint: number;
    if (/^#x[0-9A-Fa-f]+$/.test(reference)) {
      codePoint = Number.parseInt(reference.slice(2), 16);
    } else if (/^#[0-9]+$/.test(reference)) {
      codePoint = Number.parseInt(reference.slice(1), 10);
    } else {
      const excerpt = reference.length > 40 ? `${reference.slice(0, 37)}...` : reference;
      this.fail(`undefined entity &${excerpt};. Only &lt; &gt; &amp; &quot; &apos; and character references are allowed, because DTDs are not read`, position);
    }

    const character = codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : '';
    if (character === '' || INVALID_XML_CHARACTER.test(character)) {
      this.fail(`character reference &${reference}; refers to ${describeCodePoint(codePoint)}, which XML 1.0 does not allow`, position);
    }
    return character;
  }

  private readCData(): string {
    const start = this.position + '<![CDATA['.length;
    const end = this.text.indexOf(']]>', start);
    if (end === -1) this.fail('CDATA section is not closed with "]]>"');
    this.position = end + 3;
    return normalizeLineEnds(this.text.slice(start, end));
  }

  private skipComment(): void {
    const start = this.position + 4;
    const end = this.text.indexOf('-->', start);
    if (end === -1) this.fail('comment is not closed with "-->"');
    // The text between "<!--" and "-->" may not contain "--" or end with "-".
    const doubleHyphen = this.text.indexOf('--', start);
    if (doubleHyphen < end) this.fail('"--" is not allowed inside a comment', doubleHyphen);
    if (end > start && this.text.charCodeAt(end - 1) === 0x2d) this.fail('"--" is not allowed inside a comment', end - 1);
    this.position = end + 3;
  }

  /** Rejects a DOCTYPE, another markup declaration, a misplaced CDATA section or a processing instruction at the current position. */
  private rejectMarkup(): never {
    const rest = this.text.slice(this.position, this.position + 12);
    if (/^<!DOCTYPE/i.test(rest)) this.fail('DOCTYPE declarations are not allowed; this service does not read DTDs or entity declarations');
    if (/^<!ENTITY/i.test(rest)) this.fail('ENTITY declarations are not allowed; this service does not read DTDs or entity declarations');
    if (rest.startsWith('<![CDATA[')) this.fail('a CDATA section is only allowed inside the root element');
    if (/^<\?xml[\s?]/i.test(rest)) this.fail('the XML declaration is only allowed at the very start of the body');
    if (rest.startsWith('<?')) this.fail('processing instructions are not allowed');
    this.fail(`markup declaration ${JSON.stringify(rest.split(/\s/)[0])} is not allowed`);
  }

  private appendText(element: XmlElement, text: string): void {
    if (text === '') return;
    const last = element.children.length - 1;
    const previous = element.children[last];
    if (typeof previous === 'string') element.children[last] = previous + text;
    else element.children.push(text);
  }

  private readName(expected: string): string {
    NAME.lastIndex = this.position;
    const match = NAME.exec(this.text);
    if (!match) this.fail(`expected ${expected}, but found ${this.describeCurrent()}`);
    this.position += match[0].length;
    return match[0];
  }

  /** Skips XML whitespace; returns whether there was any. */
  private skipWhitespace(): boolean {
    const start = this.position;
    while (this.position < this.text.length && isWhitespace(this.text.charCodeAt(this.position))) this.position++;
    return this.position > start;
  }

  private describeCurrent(): string {
    if (this.position >= this.text.length) return 'the end of the body';
    return JSON.stringify(String.fromCodePoint(this.text.codePointAt(this.position) ?? 0));
  }

  private lineAndColumn(position: number): { line: number; column: number } {
    let line = 1;
    let lineStart = 0;
    for (let index = this.text.indexOf('\n'); index !== -1 && index < position; index = this.text.indexOf('\n', index + 1)) {
      line++;
      lineStart = index + 1;
    }
    return { line, column: position - lineStart + 1 };
  }

  private fail(detail: string, position = this.position): never {
    const { line, column } = this.lineAndColumn(position);
    throw new XmlSyntaxError(detail, line, column);
  }
}

/** Applies XML 1.0 end-of-line handling: CRLF and lone CR become LF. */
function normalizeLineEnds(literal: string): string {
  return literal.includes('\r') ? literal.replace(/\r\n?/g, '\n') : literal;
}

/** Applies attribute-value normalization for CDATA attributes, the only kind without a DTD. */
function normalizeAttributeWhitespace(literal: string): string {
  return normalizeLineEnds(literal).replace(/[\t\n]/g, ' ');
}
