import { type CodeWriter, headerDate, quoted } from '../code-writer.js';
import type { DtoDeclaration, FieldDeclaration } from '../dto-model.js';
import type { DtoSelection } from '../selection.js';

/** The `Options:` block at the top of /types/* output, which ServiceStack's update tools read. */
export interface DtoHeader {
  readonly date: Date;
  readonly version: string;
  readonly baseUrl: string;
  /** The IncludeTypes/ExcludeTypes query values this output was filtered with, if any. */
  readonly includeTypes?: string;
  readonly excludeTypes?: string;
}

export interface GenerateOptions {
  /** Omitted on metadata pages, as ServiceStack's `WithoutOptions` does. */
  readonly header?: DtoHeader;
}

export interface LanguageGenerator {
  /** The `lang=` value and the /types/{id} path segment. */
  readonly id: string;
  /** The name shown on pages: `F#` in "F# NewBillable DTOs". */
  readonly label: string;
  generate(selection: DtoSelection, options: GenerateOptions): string;
}

/**
 * Writes the option lines of a header. `prefix` comments out options that were not given, so
 * ServiceStack's tools know which ones to send back when they refresh the DTOs.
 */
export function writeHeaderOptions(writer: CodeWriter, header: DtoHeader, prefix: string): void {
  writer.line(`Date: ${headerDate(header.date)}`);
  writer.line(`Version: ${header.version}`);
  writer.line(`Tip: To override a DTO option, remove "${prefix}" prefix before updating`);
  writer.line(`BaseUrl: ${header.baseUrl}`);
  writer.line();
  writer.line(`${header.includeTypes ? '' : prefix}IncludeTypes: ${header.includeTypes ?? ''}`);
  writer.line(`${header.excludeTypes ? '' : prefix}ExcludeTypes: ${header.excludeTypes ?? ''}`);
}

/** Writes the arguments of the `[Api]` attribute of a DTO, or returns null when it has no description. */
export function apiAttributeArguments(dto: DtoDeclaration): string | null {
  return dto.description ? `Description=${quoted(dto.description)}` : null;
}

/** Writes the arguments of the `[ApiMember]` attribute of a field, or returns null when it needs none. */
export function apiMemberAttributeArguments(field: FieldDeclaration): string | null {
  const parts: string[] = [];
  if (field.description) parts.push(`Description=${quoted(field.description)}`);
  if (field.required) parts.push('IsRequired=true');
  return parts.length > 0 ? parts.join(', ') : null;
}

/** Picks the namespace of .NET DTO files as ServiceStack does: the first in alphabetical order. */
export function globalNamespace(selection: DtoSelection, fallback: string): string {
  const namespaces = selection.declarations.map((entry) => entry.declaration.namespace).sort();
  return namespaces[0] ?? fallback;
}
