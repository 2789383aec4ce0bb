import { BILLING_NAMESPACE } from '../../dto.js';
import { SERVICESTACK_NAMESPACE } from '../../types.js';
import { CodeWriter, commentText, pascalCase, quoted } from '../code-writer.js';
import { type DtoDeclaration, type EnumDeclaration, type FieldDeclaration, type TypeRef, verbInterface } from '../dto-model.js';
import { type DtoSelection, withoutDtos } from '../selection.js';
import { type GenerateOptions, type LanguageGenerator, apiAttributeArguments, apiMemberAttributeArguments, globalNamespace, writeHeaderOptions } from './language.js';

/**
 * F# DTOs in the layout of ServiceStack's FSharpGenerator: classes with `member val` properties,
 * PascalCase names, `///<summary>` comments and [<Api>]/[<ApiMember>] attributes. On metadata pages
 * (types mode) the output must match the original Evo Voice page byte for byte.
 */

const OPENS = [
  'System',
  'System.Collections',
  'System.Collections.Generic',
  'System.Runtime.Serialization',
  'ServiceStack',
  'ServiceStack.DataAnnotations',
];

const SCALARS = { string: 'String', int: 'Int32', decimal: 'Decimal', bool: 'Boolean', datetime: 'DateTime', date: 'DateTime' } as const;

function isValueType(ref: TypeRef): boolean {
  return (ref.kind === 'scalar' && ref.scalar !== 'string') || ref.kind === 'enum';
}

/** Writes the F# type of a field. Value types that are not required are Nullable<T>, as in the C# DTOs. */
export function fsharpType(ref: TypeRef, required = true): string {
  let name: string;
  switch (ref.kind) {
    case 'scalar':
      name = SCALARS[ref.scalar];
      break;
    case 'enum':
      name = ref.name;
      break;
    case 'list':
      return `ResizeArray<${fsharpType(ref.item)}>`;
    case 'dictionary':
      return `Dictionary<${fsharpType(ref.key)}, ${fsharpType(ref.value)}>`;
    case 'dto':
      return ref.args.length === 0 ? ref.name : `${ref.name}<${ref.args.map((arg) => fsharpType(arg)).join(', ')}>`;
    case 'parameter':
      return `'${ref.name}`;
  }
  return isValueType(ref) && !required ? `Nullable<${name}>` : name;
}

function defaultLiteral(field: FieldDeclaration, type: string): string {
  if (isValueType(field.type)) return `new ${type}()`;
  // A bare type parameter has no null literal unless constrained, so it takes the default value.
  if (field.type.kind === 'parameter') return `Unchecked.defaultof<${type}>`;
  return 'null';
}

function typeName(dto: DtoDeclaration): string {
  return dto.typeParameters.length === 0 ? dto.name : `${dto.name}<${dto.typeParameters.map((parameter) => `'${parameter}`).join(', ')}>`;
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
  writer.line(`type ${declaration.name} =`);
  writer.indent();
  declaration.values.forEach((value, index) => writer.line(`| ${value} = ${index}`));
  writer.outdent();
}

function writeDto(writer: CodeWriter, dto: DtoDeclaration, full: boolean): void {
  writer.line();
  writeSummary(writer, dto.description);
  if (full && dto.request) writer.line(`[<Route(${quoted(dto.request.path)}, ${quoted(dto.request.method)})>]`);
  const apiArguments = apiAttributeArguments(dto);
  if (apiArguments) writer.line(`[<Api(${apiArguments})>]`);
  writer.line('[<AllowNullLiteral>]');
  writer.line(`type ${typeName(dto)}() = `);
  writer.indent();
  const start = writer.lineCount;

  if (full && dto.request) {
    const response = dto.request.response;
    writer.line(response ? `interface IReturn<${fsharpType(response)}>` : 'interface IReturnVoid');
  }
  if (dto.request) writer.line(`interface ${verbInterface(dto.request.method)}`);

  // As in ServiceStack, a blank line follows every property that carries comments or attributes.
  let separate = false;
  for (const field of dto.fields) {
    if (separate) writer.line();
    separate = writeSummary(writer, field.description);
    const memberArguments = apiMemberAttributeArguments(field);
    if (memberArguments) {
      writer.line(`[<ApiMember(${memberArguments})>]`);
      separate = true;
    }
    const type = fsharpType(field.type, field.required);
    writer.line(`member val ${pascalCase(field.name)}:${type} = ${defaultLiteral(field, type)} with get,set`);
  }

  if (writer.lineCount === start) writer.line('class end');
  writer.outdent();
}

function generate(selection: DtoSelection, options: GenerateOptions): string {
  // The ServiceStack client library declares these types for .NET.
  const own = withoutDtos(selection, (dto) => dto.namespace === SERVICESTACK_NAMESPACE);
  const writer = new CodeWriter();

  if (options.header) {
    writer.line('(* Options:');
    writeHeaderOptions(writer, options.header, '//');
    writer.line('*)');
    writer.line();
  }

  writer.line(`namespace ${globalNamespace(own, BILLING_NAMESPACE)}`);
  writer.line();
  for (const namespace of OPENS) writer.line(`open ${namespace}`);

  writer.indent();
  for (const entry of own.declarations) {
    if (entry.kind === 'enum') writeEnum(writer, entry.declaration);
    else writeDto(writer, entry.declaration, own.mode === 'full');
  }
  writer.outdent();
  writer.line();
  return writer.toString();
}

export const fsharpGenerator: LanguageGenerator = { id: 'fsharp', label: 'F#', generate };
