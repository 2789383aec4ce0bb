import type { Operation } from '../operation.js';
import { type DeclarationName, type DtoDeclaration, type DtoModel, type EnumDeclaration, referencedDeclarations } from './dto-model.js';

/**
 * The way request DTOs are written. `full` is the client DTO export of /types/*: routes, IReturn<T>
 * markers and, in TypeScript, getTypeName/getMethod/createResponse. `types` is what ServiceStack's
 * per-operation metadata pages show: every DTO as a plain type with only its verb interface (IPost).
 */
export type DtoMode = 'full' | 'types';

export type SelectedDeclaration =
  | { readonly kind: 'enum'; readonly declaration: EnumDeclaration }
  | { readonly kind: 'dto'; readonly declaration: DtoDeclaration };

export interface DtoSelection {
  readonly mode: DtoMode;
  /**
   * Enums and DTOs, each after the declarations it needs, as F# and Python require. Otherwise the
   * order of the TypeRegistry (or of discovery, for one operation) is kept.
   */
  readonly declarations: readonly SelectedDeclaration[];
}

/** Lists what a DTO needs declared first: its field types and, in full mode, its response type. */
function dependencies(dto: DtoDeclaration, mode: DtoMode): DeclarationName[] {
  const names = dto.fields.flatMap((field) => referencedDeclarations(field.type));
  if (mode === 'full' && dto.request?.response) names.push(...referencedDeclarations(dto.request.response));
  return names;
}

function select(model: DtoModel, dtos: readonly DtoDeclaration[], mode: DtoMode): DtoSelection {
  const included = new Set(dtos.map((dto) => dto.name));
  const visited = new Set<string>();
  const declarations: SelectedDeclaration[] = [];

  const visit = (dto: DtoDeclaration): void => {
    if (visited.has(`dto:${dto.name}`)) return;
    visited.add(`dto:${dto.name}`);
    for (const dependency of dependencies(dto, mode)) {
      if (dependency.kind === 'enum') {
        const declaration = model.enumNamed(dependency.name);
        if (declaration && !visited.has(`enum:${dependency.name}`)) {
          visited.add(`enum:${dependency.name}`);
          declarations.push({ kind: 'enum', declaration });
        }
        continue;
      }
      const declaration = model.dto(dependency.name);
      if (declaration && included.has(dependency.name)) visit(declaration);
    }
    declarations.push({ kind: 'dto', declaration: dto });
  };

  dtos.forEach(visit);
  return { mode, declarations };
}

/** Collects the DTOs named in `roots` and every DTO they need, responses included, in discovery order. */
function closure(model: DtoModel, roots: readonly string[]): DtoDeclaration[] {
  const found: DtoDeclaration[] = [];
  const seen = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const dto = model.dto(name);
    if (!dto) continue;
    found.push(dto);
    for (const dependency of dependencies(dto, 'full')) if (dependency.kind === 'dto') pending.push(dependency.name);
  }
  return found;
}

/** Selects every DTO, for /types/{language}. */
export function selectAll(model: DtoModel): DtoSelection {
  return select(model, model.dtos, 'full');
}

/** Selects an operation's request DTO, its response DTO and every DTO they reference, as its metadata page shows them. */
export function selectForOperation(model: DtoModel, operation: Operation): DtoSelection {
  return select(model, closure(model, [model.requestOf(operation).name]), 'types');
}

/**
 * Selects the DTOs that ServiceStack's IncludeTypes/ExcludeTypes query options pick: `Name` includes one
 * DTO, `Name.*` includes it with every DTO it needs, and ExcludeTypes drops names afterwards.
 */
export function selectIncluded(model: DtoModel, includeTypes: readonly string[], excludeTypes: readonly string[]): DtoSelection {
  let dtos: readonly DtoDeclaration[] = model.dtos;
  if (includeTypes.length > 0) {
    const names = new Set<string>();
    for (const entry of includeTypes) {
      if (entry.endsWith('.*')) closure(model, [entry.slice(0, -2)]).forEach((dto) => names.add(dto.name));
      else names.add(entry);
    }
    dtos = model.dtos.filter((dto) => names.has(dto.name));
  }
  const excluded = new Set(excludeTypes);
  return select(model, dtos.filter((dto) => !excluded.has(dto.name)), 'full');
}

/** Drops DTOs from a selection, for languages whose client library already declares them. */
export function withoutDtos(selection: DtoSelection, skip: (dto: DtoDeclaration) => boolean): DtoSelection {
  return { ...selection, declarations: selection.declarations.filter((entry) => entry.kind === 'enum' || !skip(entry.declaration)) };
}
