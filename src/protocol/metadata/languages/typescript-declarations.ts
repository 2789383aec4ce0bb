import { CodeWriter, commentText } from '../code-writer.js';
import type { DtoDeclaration, EnumDeclaration } from '../dto-model.js';
import type { DtoSelection } from '../selection.js';
import { type GenerateOptions, type LanguageGenerator, writeHeaderOptions } from './language.js';
import { typescriptReturnMarker, typescriptType, typescriptTypeName } from './typescript.js';

/**
 * Ambient TypeScript declarations (/types/typescript.d): interfaces inside `declare namespace dtos`,
 * for typing plain JSON without importing classes. ServiceStack writes `declare module dtos`, the
 * older spelling of the same namespace declaration.
 */

const NAMESPACE = 'dtos';

function writeEnum(writer: CodeWriter, declaration: EnumDeclaration): void {
  writer.line();
  writer.line(`type ${declaration.name} = ${declaration.values.map((value) => `"${value}"`).join(' | ')};`);
}

function writeDto(writer: CodeWriter, dto: DtoDeclaration, full: boolean): void {
  const request = full ? dto.request : undefined;
  writer.line();
  if (dto.description) writer.line(`/** @description ${commentText(dto.description)} */`);
  const extendsClause = request ? ` extends ${typescriptReturnMarker(request)}` : '';
  writer.line(`interface ${typescriptTypeName(dto)}${extendsClause}`);
  writer.line('{');
  writer.indent();
  for (const field of dto.fields) {
    if (field.description) writer.line(`/** @description ${commentText(field.description)} */`);
    writer.line(`${field.name}${field.required ? '' : '?'}: ${typescriptType(field.type)};`);
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

  writer.line(`declare namespace ${NAMESPACE}`);
  writer.line('{');
  writer.indent();
  if (full) {
    // Empty markers: a plain object literal can be typed as a request DTO.
    writer.line('interface IReturn<T> {}');
    writer.line('interface IReturnVoid {}');
  }
  for (const entry of selection.declarations) {
    if (entry.kind === 'enum') writeEnum(writer, entry.declaration);
    else writeDto(writer, entry.declaration, full);
  }
  writer.outdent();
  writer.line('}');
  writer.line();
  return writer.toString();
}

export const typescriptDeclarationsGenerator: LanguageGenerator = { id: 'typescript.d', label: 'TypeScript Definitions', generate };
