import { CodeWriter, commentText, quoted } from '../code-writer.js';
import type { DtoDeclaration, EnumDeclaration, RequestBinding, TypeRef } from '../dto-model.js';
import type { DtoSelection } from '../selection.js';
import { type GenerateOptions, type LanguageGenerator, apiAttributeArguments, apiMemberAttributeArguments, writeHeaderOptions } from './language.js';

/**
 * TypeScript DTOs that `@servicestack/client` uses as they are: classes with a Partial<T>
 * constructor, and request DTOs implementing IReturn<T> with getTypeName(), getMethod() and
 * createResponse(), in the layout of ServiceStack's TypeScriptGenerator. Dates are ISO-8601 strings
 * and decimals are numbers, as they are in JSON.
 */

const SCALARS = { string: 'string', int: 'number', decimal: 'number', bool: 'boolean', datetime: 'string', date: 'string' } as const;

export function typescriptType(ref: TypeRef): string {
  switch (ref.kind) {
    case 'scalar':
      return SCALARS[ref.scalar];
    case 'enum':
      return ref.name;
    case 'list':
      return `${typescriptType(ref.item)}[]`;
    case 'dictionary': {
      // Index signatures only take string or number keys.
      const key = typescriptType(ref.key) === 'number' ? 'number' : 'string';
      return `{ [index:${key}]: ${typescriptType(ref.value)}; }`;
    }
    case 'dto':
      return ref.args.length === 0 ? ref.name : `${ref.name}<${ref.args.map(typescriptType).join(', ')}>`;
    case 'parameter':
      return ref.name;
  }
}

/** `ListResponse<T>` for generic DTOs, the plain name otherwise. */
export function typescriptTypeName(dto: DtoDeclaration): string {
  return dto.typeParameters.length === 0 ? dto.name : `${dto.name}<${dto.typeParameters.join(', ')}>`;
}

/** Returns the IReturn marker of a request DTO: `IReturn<BillableInfo>`, or `IReturnVoid` without a response. */
export function typescriptReturnMarker(request: RequestBinding): string {
  if (!request.response) return 'IReturnVoid';
  return `IReturn<${typescriptType(request.response)}>`;
}

function writeEnum(writer: CodeWriter, declaration: EnumDeclaration): void {
  writer.line();
  writer.line(`export enum ${declaration.name}`);
  writer.line('{');
  writer.indent();
  for (const value of declaration.values) writer.line(`${value} = '${value}',`);
  writer.outdent();
  writer.line('}');
}

function writeDto(writer: CodeWriter, dto: DtoDeclaration, full: boolean): void {
  const request = full ? dto.request : undefined;
  const name = typescriptTypeName(dto);

  writer.line();
  if (dto.description) writer.line(`/** @description ${commentText(dto.description)} */`);
  if (request) writer.line(`// @Route(${quoted(request.path)}, ${quoted(request.method)})`);
  const apiArguments = apiAttributeArguments(dto);
  if (apiArguments) writer.line(`// @Api(${apiArguments})`);

  const implementsClause = request ? ` implements ${typescriptReturnMarker(request)}` : '';
  writer.line(`export class ${name}${implementsClause}`);
  writer.line('{');
  writer.indent();

  let separate = false;
  for (const field of dto.fields) {
    if (separate) writer.line();
    separate = false;
    if (field.description) {
      writer.line(`/** @description ${commentText(field.description)} */`);
      separate = true;
    }
    const memberArguments = apiMemberAttributeArguments(field);
    if (memberArguments) {
      writer.line(`// @ApiMember(${memberArguments})`);
      separate = true;
    }
    // `!` keeps a required field non-optional without an initializer, which strict mode accepts.
    // An unset field is then not sent, so the service reports it as missing.
    writer.line(`public ${field.name}${field.required ? '!' : '?'}: ${typescriptType(field.type)};`);
  }

  if (dto.fields.length > 0) writer.line();
  writer.line(`public constructor(init?: Partial<${name}>) { (Object as any).assign(this, init); }`);
  if (request) {
    writer.line(`public getTypeName() { return '${dto.name}'; }`);
    writer.line(`public getMethod() { return '${request.method}'; }`);
    writer.line(request.response ? `public createResponse() { return new ${typescriptType(request.response)}(); }` : 'public createResponse() {}');
  }
  writer.outdent();
  writer.line('}');
}

function generate(selection: DtoSelection, options: GenerateOptions): string {
  const writer = new CodeWriter();
  const full = selection.mode === 'full';

  if (options.header) {
    writer.line('/* Options:');
    writeHeaderOptions(writer, options.header, '//');
    writer.line('*/');
    writer.line();
  }

  if (full) {
    writer.line();
    writer.line('export interface IReturn<T>');
    writer.line('{');
    writer.indent().line('createResponse(): T;').outdent();
    writer.line('}');
    writer.line();
    writer.line('export interface IReturnVoid');
    writer.line('{');
    writer.indent().line('createResponse(): void;').outdent();
    writer.line('}');
  }

  for (const entry of selection.declarations) {
    if (entry.kind === 'enum') writeEnum(writer, entry.declaration);
    else writeDto(writer, entry.declaration, full);
  }
  writer.line();
  return writer.toString();
}

export const typescriptGenerator: LanguageGenerator = { id: 'typescript', label: 'TypeScript', generate };
