import { CodeWriter, quoted, snakeCase } from '../code-writer.js';
import { type DtoDeclaration, type EnumDeclaration, type FieldDeclaration, type TypeRef, verbInterface } from '../dto-model.js';
import { type DtoSelection, withoutDtos } from '../selection.js';
import { type GenerateOptions, type LanguageGenerator, apiAttributeArguments, apiMemberAttributeArguments, writeHeaderOptions } from './language.js';

/**
 * Python DTOs for ServiceStack's `servicestack` package: dataclasses with dataclasses_json
 * decorators, snake_case fields that the CAMEL letter case maps to camelCase JSON names, and
 * IReturn[T] plus a verb marker (IPost) on request DTOs, in the layout of ServiceStack's
 * PythonGenerator. Every field is Optional and None by default, so unset fields are not sent.
 */

const IMPORTS = [
  'import datetime',
  'import decimal',
  'from marshmallow.fields import *',
  'from servicestack import *',
  'from typing import *',
  'from dataclasses import dataclass, field',
  'from dataclasses_json import dataclass_json, LetterCase, Undefined, config',
  'from enum import Enum, IntEnum',
];

const DATACLASS_JSON = '@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)';

/** Types the `servicestack` package exports. Declaring them again would shadow its own classes. */
const PROVIDED_BY_CLIENT = new Set(['ResponseStatus', 'ResponseError']);

const KEYWORDS = new Set([
  'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'False', 'finally',
  'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'None', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'True',
  'try', 'while', 'with', 'yield',
]);

// `Decimal` is marshmallow's field class, which the servicestack client converts to decimal.Decimal.
const SCALARS = { string: 'str', int: 'int', decimal: 'Decimal', bool: 'bool', datetime: 'datetime.datetime', date: 'datetime.datetime' } as const;

export function pythonType(ref: TypeRef): string {
  switch (ref.kind) {
    case 'scalar':
      return SCALARS[ref.scalar];
    case 'enum':
      return ref.name;
    case 'list':
      return `List[${pythonType(ref.item)}]`;
    case 'dictionary':
      return `Dict[${pythonType(ref.key)}, ${pythonType(ref.value)}]`;
    case 'dto':
      return ref.args.length === 0 ? ref.name : `${ref.name}[${ref.args.map(pythonType).join(', ')}]`;
    case 'parameter':
      return ref.name;
  }
}

/** `Pending` → `PENDING`, `SystemAdministrator` → `SYSTEM_ADMINISTRATOR`, as ServiceStack names enum members. */
function enumMemberName(value: string): string {
  if (value.includes('_')) return value.toUpperCase();
  return /[a-z]/.test(value) ? snakeCase(value).toUpperCase() : value;
}

function docstringText(description: string): string {
  return description.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"');
}

function writeDocstring(writer: CodeWriter, description: string): void {
  writer.line('"""');
  for (const line of docstringText(description).split(/\r?\n/)) writer.line(line);
  writer.line('"""');
}

function writeEnum(writer: CodeWriter, declaration: EnumDeclaration): void {
  writer.line();
  writer.line();
  writer.line(`class ${declaration.name}(str, Enum):`);
  writer.indent();
  for (const value of declaration.values) writer.line(`${enumMemberName(value)} = '${value}'`);
  writer.outdent();
}

function writeField(writer: CodeWriter, field: FieldDeclaration): void {
  const memberArguments = apiMemberAttributeArguments(field);
  if (memberArguments) writer.line(`# @ApiMember(${memberArguments})`);
  const name = snakeCase(field.name);
  const type = `Optional[${pythonType(field.type)}]`;
  if (KEYWORDS.has(name)) {
    // A keyword cannot be an attribute name, so the attribute gets a trailing '_' and keeps its JSON name.
    writer.line(`${name}_: ${type} = field(metadata=config(field_name='${field.name}'), default=None)`);
  } else {
    writer.line(`${name}: ${type} = None`);
  }
  if (field.description) writeDocstring(writer, field.description);
}

function writeDto(writer: CodeWriter, dto: DtoDeclaration, full: boolean, declaredTypeVariables: Set<string>): void {
  writer.line();
  writer.line();
  const pendingVariables = dto.typeParameters.filter((parameter) => !declaredTypeVariables.has(parameter));
  if (pendingVariables.length > 0) {
    for (const parameter of pendingVariables) {
      writer.line(`${parameter} = TypeVar('${parameter}')`);
      declaredTypeVariables.add(parameter);
    }
    writer.line();
    writer.line();
  }

  if (full && dto.request) writer.line(`# @Route(${quoted(dto.request.path)}, ${quoted(dto.request.method)})`);
  const apiArguments = apiAttributeArguments(dto);
  if (apiArguments) writer.line(`# @Api(${apiArguments})`);

  const bases: string[] = [];
  if (dto.typeParameters.length > 0) bases.push(`Generic[${dto.typeParameters.join(', ')}]`);
  if (full && dto.request) bases.push(dto.request.response ? `IReturn[${pythonType(dto.request.response)}]` : 'IReturnVoid');
  if (dto.request) bases.push(verbInterface(dto.request.method));

  writer.line(DATACLASS_JSON);
  writer.line('@dataclass');
  writer.line(`class ${dto.name}${bases.length > 0 ? `(${bases.join(', ')})` : ''}:`);
  writer.indent();
  if (dto.description) {
    writeDocstring(writer, dto.description);
    writer.line();
  }
  dto.fields.forEach((field, index) => {
    writeField(writer, field);
    if (field.description && index < dto.fields.length - 1) writer.line();
  });
  if (dto.fields.length === 0) writer.line('pass');
  writer.outdent();
}

function generate(selection: DtoSelection, options: GenerateOptions): string {
  const own = withoutDtos(selection, (dto) => PROVIDED_BY_CLIENT.has(dto.name));
  const writer = new CodeWriter();

  if (options.header) {
    writer.line('""" Options:');
    writeHeaderOptions(writer, options.header, '#');
    writer.line('"""');
    writer.line();
  }
  for (const line of IMPORTS) writer.line(line);

  const declaredTypeVariables = new Set<string>();
  for (const entry of own.declarations) {
    if (entry.kind === 'enum') writeEnum(writer, entry.declaration);
    else writeDto(writer, entry.declaration, own.mode === 'full', declaredTypeVariables);
  }
  writer.line();
  return writer.toString();
}

export const pythonGenerator: LanguageGenerator = { id: 'python', label: 'Python', generate };
