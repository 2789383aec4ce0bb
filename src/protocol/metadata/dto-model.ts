import type { FieldType, ScalarType, TypeSpec } from '../dto.js';
import type { HttpMethod, Operation } from '../operation.js';
import type { TypeRegistry } from '../type-registry.js';

/**
 * The DTOs of the service in a form every generator can read: field types resolved to references,
 * enums collected by name, and generic instances such as `ListResponse<AccountInfo>` folded into
 * one generic declaration `ListResponse<T>`. Built from OPERATIONS and the TypeRegistry only.
 */

export type TypeRef =
  | { readonly kind: 'scalar'; readonly scalar: ScalarType }
  | { readonly kind: 'enum'; readonly name: string }
  | { readonly kind: 'list'; readonly item: TypeRef }
  | { readonly kind: 'dictionary'; readonly key: TypeRef; readonly value: TypeRef }
  | { readonly kind: 'dto'; readonly name: string; readonly args: readonly TypeRef[] }
  | { readonly kind: 'parameter'; readonly name: string };

export interface FieldDeclaration {
  /** camelCase, as on the wire. */
  readonly name: string;
  readonly type: TypeRef;
  readonly required: boolean;
  readonly description?: string;
}

/** The operation a request DTO starts, with its route and response type. */
export interface RequestBinding {
  readonly operation: Operation;
  readonly method: HttpMethod;
  readonly path: string;
  /** Null when the operation returns no body. */
  readonly response: TypeRef | null;
}

export interface DtoDeclaration {
  /** The name without type arguments: `ListResponse` for `ListResponse<AccountInfo>`. */
  readonly name: string;
  readonly typeParameters: readonly string[];
  readonly namespace: string;
  readonly description?: string;
  readonly fields: readonly FieldDeclaration[];
  readonly request?: RequestBinding;
}

export interface EnumDeclaration {
  readonly name: string;
  readonly namespace: string;
  readonly values: readonly string[];
}

export interface DtoModel {
  /** Every DTO in TypeRegistry order. */
  readonly dtos: readonly DtoDeclaration[];
  readonly enums: readonly EnumDeclaration[];
  dto(name: string): DtoDeclaration | undefined;
  enumNamed(name: string): EnumDeclaration | undefined;
  /** The request DTO of an operation. */
  requestOf(operation: Operation): DtoDeclaration;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** .NET type names that `{ ref }` fields may use besides DTO names, as in `Dictionary<String,String>`. */
const DOTNET_SCALARS: Readonly<Record<string, ScalarType>> = {
  String: 'string',
  Int32: 'int',
  Int64: 'int',
  Decimal: 'decimal',
  Boolean: 'bool',
  DateTime: 'datetime',
};

export interface ParsedTypeName {
  readonly name: string;
  readonly args: readonly ParsedTypeName[];
}

/** Parses `ListResponse<AccountInfo>` or `Dictionary<String,List<String>>` into a name and arguments. */
export function parseTypeName(text: string): ParsedTypeName {
  const trimmed = text.trim();
  const open = trimmed.indexOf('<');
  if (open === -1) return { name: trimmed, args: [] };
  if (!trimmed.endsWith('>')) throw new Error(`Invalid type name '${text}': a '<' needs a closing '>' at the end.`);

  const args: ParsedTypeName[] = [];
  let depth = 0;
  let start = open + 1;
  for (let index = start; index < trimmed.length - 1; index++) {
    const char = trimmed[index];
    if (char === '<') depth++;
    else if (char === '>') depth--;
    else if (char === ',' && depth === 0) {
      args.push(parseTypeName(trimmed.slice(start, index)));
      start = index + 1;
    }
  }
  args.push(parseTypeName(trimmed.slice(start, trimmed.length - 1)));
  return { name: trimmed.slice(0, open).trim(), args };
}

function sameRef(a: TypeRef, b: TypeRef): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Replaces every occurrence of `target` inside `ref` with `replacement`. */
function substitute(ref: TypeRef, target: TypeRef, replacement: TypeRef): TypeRef {
  if (sameRef(ref, target)) return replacement;
  switch (ref.kind) {
    case 'list':
      return { kind: 'list', item: substitute(ref.item, target, replacement) };
    case 'dictionary':
      return { kind: 'dictionary', key: substitute(ref.key, target, replacement), value: substitute(ref.value, target, replacement) };
    case 'dto':
      return { kind: 'dto', name: ref.name, args: ref.args.map((arg) => substitute(arg, target, replacement)) };
    default:
      return ref;
  }
}

class ModelBuilder {
  private readonly enums = new Map<string, EnumDeclaration>();

  constructor(private readonly registry: TypeRegistry) {}

  build(operations: readonly Operation[]): DtoModel {
    const requestByName = new Map<string, Operation>();
    for (const operation of operations) {
      const name = operation.request.name;
      if (requestByName.has(name)) throw new Error(`Two operations use the request DTO '${name}'; every operation needs its own request DTO.`);
      if (this.registry.get(name) === undefined) throw new Error(`The request DTO '${name}' is missing from the TypeRegistry; build the registry from the same operations.`);
      requestByName.set(name, operation);
    }

    const dtos: DtoDeclaration[] = [];
    const generics = new Map<string, { declaration: DtoDeclaration; instanceOf: string }>();
    const plainNames = new Set<string>();

    for (const spec of this.registry.all()) {
      const parsed = parseTypeName(spec.name);
      if (parsed.args.length === 0) {
        this.checkIdentifier(parsed.name, `DTO name '${spec.name}'`);
        if (generics.has(parsed.name)) throw new Error(`'${parsed.name}' is declared both as a generic DTO and as a plain DTO; generated TypeScript and Python cannot tell them apart.`);
        plainNames.add(parsed.name);
        const operation = requestByName.get(spec.name);
        dtos.push(this.plainDeclaration(spec, operation));
        continue;
      }

      this.checkIdentifier(parsed.name, `generic DTO name '${spec.name}'`);
      if (plainNames.has(parsed.name)) throw new Error(`'${parsed.name}' is declared both as a generic DTO and as a plain DTO; generated TypeScript and Python cannot tell them apart.`);
      if (requestByName.has(spec.name)) throw new Error(`The request DTO '${spec.name}' is generic; request DTOs need a plain name that clients can send as the operation name.`);
      const declaration = this.genericDeclaration(spec, parsed);
      const existing = generics.get(parsed.name);
      if (!existing) {
        generics.set(parsed.name, { declaration, instanceOf: spec.name });
        dtos.push(declaration);
      } else if (JSON.stringify(existing.declaration.fields) !== JSON.stringify(declaration.fields)) {
        throw new Error(`'${spec.name}' and '${existing.instanceOf}' differ in more than their type argument, so they cannot share the generic declaration '${parsed.name}'.`);
      }
    }

    const byName = new Map(dtos.map((dto) => [dto.name, dto]));
    const enums = [...this.enums.values()];
    const enumsByName = new Map(enums.map((declaration) => [declaration.name, declaration]));
    return {
      dtos,
      enums,
      dto: (name) => byName.get(name),
      enumNamed: (name) => enumsByName.get(name),
      requestOf: (operation) => {
        const dto = byName.get(operation.request.name);
        if (!dto?.request) throw new Error(`No request DTO '${operation.request.name}' in the DTO model.`);
        return dto;
      },
    };
  }

  private plainDeclaration(spec: TypeSpec, operation: Operation | undefined): DtoDeclaration {
    const fields = this.fields(spec);
    const description = spec.description ?? operation?.description;
    const base = { name: spec.name, typeParameters: [], namespace: spec.namespace, fields, ...(description ? { description } : {}) };
    if (!operation) return base;

    const response = operation.response ? this.resolveName(operation.response.name, `the response of ${spec.name}`) : null;
    return { ...base, request: { operation, method: operation.method, path: operation.path, response } };
  }

  private genericDeclaration(spec: TypeSpec, parsed: ParsedTypeName): DtoDeclaration {
    const parameters = parsed.args.length === 1 ? ['T'] : parsed.args.map((_, index) => `T${index + 1}`);
    let fields = this.fields(spec);
    parsed.args.forEach((arg, index) => {
      const target = this.resolveParsed(arg, `type argument of ${spec.name}`);
      const replacement: TypeRef = { kind: 'parameter', name: parameters[index] as string };
      fields = fields.map((field) => ({ ...field, type: substitute(field.type, target, replacement) }));
    });
    return {
      name: parsed.name,
      typeParameters: parameters,
      namespace: spec.namespace,
      fields,
      ...(spec.description ? { description: spec.description } : {}),
    };
  }

  private fields(spec: TypeSpec): FieldDeclaration[] {
    const seen = new Set<string>();
    return spec.fields.map((field) => {
      this.checkIdentifier(field.name, `field name '${spec.name}.${field.name}'`);
      if (seen.has(field.name.toLowerCase())) throw new Error(`'${spec.name}' declares the field '${field.name}' twice; field names are case-insensitive on the wire.`);
      seen.add(field.name.toLowerCase());
      return {
        name: field.name,
        type: this.resolve(field.type, `${spec.name}.${field.name}`, spec.namespace),
        required: field.required === true,
        ...(field.description ? { description: field.description } : {}),
      };
    });
  }

  private resolve(type: FieldType, where: string, namespace: string): TypeRef {
    if (typeof type === 'string') return { kind: 'scalar', scalar: type };
    if ('list' in type) return { kind: 'list', item: this.resolve(type.list, where, namespace) };
    if ('ref' in type) return this.resolveName(type.ref, where);
    return this.addEnum(type.enum, type.values, where, namespace);
  }

  private addEnum(name: string, values: readonly string[], where: string, namespace: string): TypeRef {
    this.checkIdentifier(name, `enum name '${name}' of ${where}`);
    for (const value of values) this.checkIdentifier(value, `value '${value}' of enum ${name}`);
    const existing = this.enums.get(name);
    if (existing && existing.values.join(',') !== values.join(',')) {
      throw new Error(`The enum '${name}' is declared with different values (${existing.values.join(', ')} and ${values.join(', ')}); use one list.`);
    }
    if (!existing) this.enums.set(name, { name, namespace, values: [...values] });
    return { kind: 'enum', name };
  }

  private resolveName(text: string, where: string): TypeRef {
    return this.resolveParsed(parseTypeName(text), where, text);
  }

  private resolveParsed(parsed: ParsedTypeName, where: string, text = parsed.name): TypeRef {
    const scalar = DOTNET_SCALARS[parsed.name];
    if (scalar && parsed.args.length === 0) return { kind: 'scalar', scalar };
    if (parsed.name === 'List' && parsed.args.length === 1) {
      return { kind: 'list', item: this.resolveParsed(parsed.args[0] as ParsedTypeName, where) };
    }
    if (parsed.name === 'Dictionary' && parsed.args.length === 2) {
      const [key, value] = parsed.args as [ParsedTypeName, ParsedTypeName];
      return { kind: 'dictionary', key: this.resolveParsed(key, where), value: this.resolveParsed(value, where) };
    }

    const fullName = formatTypeName(parsed);
    if (this.registry.get(fullName) === undefined) {
      throw new Error(`${where} refers to the type '${text}', which is not in the TypeRegistry; pass it in the registry's extra types (NESTED_TYPES).`);
    }
    return { kind: 'dto', name: parsed.name, args: parsed.args.map((arg) => this.resolveParsed(arg, where)) };
  }

  private checkIdentifier(name: string, what: string): void {
    if (!IDENTIFIER.test(name)) throw new Error(`Invalid ${what}: generated client code needs a letter or '_' followed by letters, digits or '_'.`);
  }
}

/** Writes a parsed name back without spaces, as TypeRegistry names are written: `Dictionary<String,String>`. */
export function formatTypeName(parsed: ParsedTypeName): string {
  return parsed.args.length === 0 ? parsed.name : `${parsed.name}<${parsed.args.map(formatTypeName).join(',')}>`;
}

/** Builds the DTO model. Throws on declarations that some client language could not represent. */
export function buildDtoModel(operations: readonly Operation[], registry: TypeRegistry): DtoModel {
  return new ModelBuilder(registry).build(operations);
}

export interface DeclarationName {
  readonly kind: 'dto' | 'enum';
  readonly name: string;
}

/** Lists the DTOs and enums a type reference needs declared, in the order they appear. */
export function referencedDeclarations(ref: TypeRef): DeclarationName[] {
  switch (ref.kind) {
    case 'enum':
      return [{ kind: 'enum', name: ref.name }];
    case 'list':
      return referencedDeclarations(ref.item);
    case 'dictionary':
      return [...referencedDeclarations(ref.key), ...referencedDeclarations(ref.value)];
    case 'dto':
      return [{ kind: 'dto', name: ref.name }, ...ref.args.flatMap(referencedDeclarations)];
    default:
      return [];
  }
}

/** Returns the verb marker interface that ServiceStack clients read the HTTP method from: IGet, IPost and so on. */
export function verbInterface(method: HttpMethod): string {
  return `I${method.charAt(0)}${method.slice(1).toLowerCase()}`;
}
