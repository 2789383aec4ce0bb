import type { FieldSpec, FieldType, TypeSpec } from '../dto.js';
import type { TypeRegistry } from '../type-registry.js';

/** A JSON Schema (2020-12) object as OpenAPI 3.1 uses it; only the keywords this generator writes. */
export interface SchemaObject {
  $ref?: string;
  title?: string;
  description?: string;
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  format?: string;
  writeOnly?: boolean;
  enum?: readonly string[];
  items?: SchemaObject;
  properties?: Record<string, SchemaObject>;
  additionalProperties?: SchemaObject;
  required?: string[];
  'x-namespace'?: string;
}

const DECIMAL_DESCRIPTION = 'Exact decimal, written as a JSON number from its exact digits; parse it without rounding to a float.';

/** .NET type names that may appear as the value type of a `Dictionary<String,V>` reference. */
const DOTNET_SCALARS: Record<string, SchemaObject> = {
  String: { type: 'string' },
  Int32: { type: 'integer', format: 'int32' },
  Int64: { type: 'integer', format: 'int64' },
  Decimal: { type: 'number', description: DECIMAL_DESCRIPTION },
  Boolean: { type: 'boolean' },
  DateTime: { type: 'string', format: 'date-time' },
};

const DICTIONARY = /^Dictionary<\s*String\s*,\s*(.+)>$/;

/**
 * Turns a DTO name into a valid component key: OpenAPI allows only `[a-zA-Z0-9._-]`, so
 * `ListResponse<AccountInfo>` becomes `ListResponse_AccountInfo_`.
 */
export function componentKey(typeName: string): string {
  return typeName.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function componentRef(typeName: string): string {
  return `#/components/schemas/${componentKey(typeName)}`;
}

/**
 * Builds `components.schemas` from the registry: one schema per DTO and one per named enum.
 * Raises an error when two names map to one key with different content, or when a field refers
 * to a type the registry lacks, because either would leave a dangling or wrong `$ref`.
 */
export class SchemaBuilder {
  private readonly schemas = new Map<string, { name: string; schema: SchemaObject }>();

  constructor(private readonly types: TypeRegistry) {}

  /** Adds every DTO of the registry. Request DTOs get their operation's body form later, via `addType`. */
  addAll(skip: ReadonlySet<string> = new Set()): void {
    for (const type of this.types.all()) {
      if (!skip.has(type.name)) this.addType(type);
    }
  }

  /**
   * Adds one DTO. Fields named in `boundFromPath` are filled from the URL and win over the body,
   * so they are documented in the body schema but not required there.
   */
  addType(type: TypeSpec, boundFromPath: ReadonlySet<string> = new Set()): string {
    const properties: Record<string, SchemaObject> = {};
    const required: string[] = [];
    for (const field of type.fields) {
      const schema = this.fieldSchema(field, type.name);
      if (boundFromPath.has(field.name)) {
        schema.description = joinSentences(schema.description, `Taken from the path parameter {${field.name}}, which wins over a value in the body.`);
      } else if (field.required) {
        required.push(field.name);
      }
      properties[field.name] = schema;
    }

    const schema: SchemaObject = { title: type.name };
    if (type.description) schema.description = type.description;
    schema.type = 'object';
    schema.properties = properties;
    if (required.length > 0) schema.required = required;
    schema['x-namespace'] = type.namespace;
    return this.put(type.name, schema);
  }

  /** Builds the schema of one field: its type, plus the field's description. */
  fieldSchema(field: FieldSpec, ownerName: string): SchemaObject {
    const schema = this.typeSchema(field.type, `${ownerName}.${field.name}`);
    if (field.description) {
      if (schema.$ref) return { $ref: schema.$ref, description: field.description };
      schema.description = joinSentences(field.description, schema.description);
    }
    if (field.secret && schema.type === 'string') {
      // Swagger UI masks the input of a password field. writeOnly states that responses never contain it.
      schema.format = 'password';
      schema.writeOnly = true;
    }
    return schema;
  }

  typeSchema(type: FieldType, where: string): SchemaObject {
    if (typeof type === 'string') {
      switch (type) {
        case 'string':
          return { type: 'string' };
        case 'int':
          return { type: 'integer', format: 'int32' };
        case 'decimal':
          return { type: 'number', description: DECIMAL_DESCRIPTION };
        case 'bool':
          return { type: 'boolean' };
        case 'datetime':
          return { type: 'string', format: 'date-time' };
        case 'date':
          return { type: 'string', format: 'date' };
      }
    }
    if ('enum' in type) {
      return { $ref: this.put(type.enum, { title: type.enum, type: 'string', enum: [...type.values] }) };
    }
    if ('list' in type) return { type: 'array', items: this.typeSchema(type.list, where) };
    return this.refSchema(type.ref, where);
  }

  result(): Record<string, SchemaObject> {
    const entries = [...this.schemas.entries()].sort(([a], [b]) => a.localeCompare(b));
    return Object.fromEntries(entries.map(([key, { schema }]) => [key, schema]));
  }

  private refSchema(typeName: string, where: string): SchemaObject {
    if (this.types.get(typeName)) return { $ref: componentRef(typeName) };

    const dictionary = DICTIONARY.exec(typeName);
    const valueName = dictionary?.[1]?.trim();
    if (valueName !== undefined) {
      const valueSchema = DOTNET_SCALARS[valueName] ?? this.refSchema(valueName, where);
      return { type: 'object', additionalProperties: { ...valueSchema } };
    }

    throw new Error(`OpenAPI: ${where} refers to the type '${typeName}', which is not in the TypeRegistry; add it to NESTED_TYPES.`);
  }

  /** Stores a schema under the key of `name`; returns its `$ref`. A second identical schema is a no-op. */
  private put(name: string, schema: SchemaObject): string {
    const key = componentKey(name);
    const existing = this.schemas.get(key);
    if (existing && JSON.stringify(existing.schema) !== JSON.stringify(schema)) {
      throw new Error(
        `OpenAPI: the component key '${key}' is used by two different schemas ('${existing.name}' and '${name}'); rename one type or enum.`,
      );
    }
    if (!existing) this.schemas.set(key, { name, schema });
    return componentRef(name);
  }
}

export function joinSentences(first: string | undefined, second: string | undefined): string | undefined {
  if (!first) return second;
  if (!second) return first;
  return `${first.replace(/\.?\s*$/, '.')} ${second}`;
}
