import { SERVICESTACK_NAMESPACE } from '../../types.js';
import { CodeWriter, commentText, pascalCase, quoted } from '../code-writer.js';
import { type DtoDeclaration, type EnumDeclaration, type TypeRef, verbInterface } from '../dto-model.js';
import { type DtoSelection, type SelectedDeclaration, withoutDtos } from '../selection.js';
import { type GenerateOptions, type LanguageGenerator, apiAttributeArguments, apiMemberAttributeArguments, writeHeaderOptions } from './language.js';

/**
 * C# DTOs in the layout of ServiceStack's CSharpGenerator: partial classes with virtual
 * auto-properties in PascalCase, [Route] attributes and IReturn<T> markers on request DTOs.
 */

const USINGS = [
  'System',
  'System.Collections',
  'System.Collections.Generic',
  'System.Runtime.Serialization',
  'ServiceStack',
  'ServiceStack.DataAnnotations',
];

const SCALARS = { string: 'string', int: 'int', decimal: 'decimal', bool: 'bool', datetime: 'DateTime', date: 'DateTime' } as const;

/**
 * Writes the C# type of a field. Value types that are not required are nullable (`int?`), so a client
 * that leaves them unset sends nothing rather than 0 or false. Metadata pages show this type too.
 */
export function csharpType(ref: TypeRef, required = true): string {
  switch (ref.kind) {
    case 'scalar': {
      const name = SCALARS[ref.scalar];
      return ref.scalar === 'string' || required ? name : `${name}?`;
    }
    case 'enum':
      return required ? ref.name : `${ref.name}?`;
    case 'list':
      return `List<${csharpType(ref.item)}>`;
    case 'dictionary':
      return `Dictionary<${csharpType(ref.key)}, ${csharpType(ref.value)}>`;
    case 'dto':
      return ref.args.length === 0 ? ref.name : `${ref.name}<${ref.args.map((arg) => csharpType(arg)).join(', ')}>`;
    case 'parameter':
      return ref.name;
  }
}

function writeSummary(writer: CodeWriter, description: string | undefined): boolean {
  if (!description) return false;
  writer.line('///<summary>');
  writer.line(`///${commentText(description)}`);
  writer.line('///</summary>');
  return true;
}

function writeEnum(writer: CodeWriter, declaration: EnumDeclaration): void {
  writer.line();
  writer.line(`public enum ${declaration.name}`);
  writer.line('{');
  writer.indent();
  for (const value of declaration.values) writer.line(`${value},`);
  writer.outdent();
  writer.line('}');
}

function writeDto(writer: CodeWriter, dto: DtoDeclaration, full: boolean): void {
  writer.line();
  writeSummary(writer, dto.description);
  if (full && dto.request) writer.line(`[Route(${quoted(dto.request.path)}, ${quoted(dto.request.method)})]`);
  const apiArguments = apiAttributeArguments(dto);
  if (apiArguments) writer.line(`[Api(${apiArguments})]`);

  const typeParameters = dto.typeParameters.length === 0 ? '' : `<${dto.typeParameters.join(', ')}>`;
  writer.line(`public partial class ${dto.name}${typeParameters}`);

  const interfaces: string[] = [];
  if (full && dto.request) interfaces.push(dto.request.response ? `IReturn<${csharpType(dto.request.response)}>` : 'IReturnVoid');
  if (dto.request) interfaces.push(verbInterface(dto.request.method));
  if (interfaces.length > 0) writer.line(`    : ${interfaces.join(', ')}`);

  writer.line('{');
  writer.indent();
  let separate = false;
  for (const field of dto.fields) {
    if (separate) writer.line();
    separate = writeSummary(writer, field.description);
    const memberArguments = apiMemberAttributeArguments(field);
    if (memberArguments) {
      writer.line(`[ApiMember(${memberArguments})]`);
      separate = true;
    }
    writer.line(`public virtual ${csharpType(field.type, field.required)} ${pascalCase(field.name)} { get; set; }`);
  }
  writer.outdent();
  writer.line('}');
}

function generate(selection: DtoSelection, options: GenerateOptions): string {
  // The ServiceStack client library declares these types for .NET.
  const own = withoutDtos(selection, (dto) => dto.namespace === SERVICESTACK_NAMESPACE);
  const writer = new CodeWriter();

  if (options.header) {
    writer.line('/* Options:');
    writeHeaderOptions(writer, options.header, '//');
    writer.line('*/');
    writer.line();
  }

  const byNamespace = new Map<string, SelectedDeclaration[]>();
  for (const entry of own.declarations) {
    const group = byNamespace.get(entry.declaration.namespace) ?? [];
    group.push(entry);
    byNamespace.set(entry.declaration.namespace, group);
  }

  for (const namespace of USINGS) writer.line(`using ${namespace};`);
  for (const namespace of byNamespace.keys()) writer.line(`using ${namespace};`);

  for (const [namespace, entries] of byNamespace) {
    writer.line();
    writer.line(`namespace ${namespace}`);
    writer.line('{');
    writer.indent();
    for (const entry of entries) {
      if (entry.kind === 'enum') writeEnum(writer, entry.declaration);
      else writeDto(writer, entry.declaration, own.mode === 'full');
    }
    writer.outdent();
    writer.line('}');
  }
  writer.line();
  return writer.toString();
}

export const csharpGenerator: LanguageGenerator = { id: 'csharp', label: 'C#', generate };
