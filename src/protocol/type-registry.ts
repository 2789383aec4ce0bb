import type { FieldType, TypeSpec } from './dto.js';
import type { Operation } from './operation.js';
import { ErrorResponse, ResponseError, ResponseStatus } from './types.js';

/** Every DTO reachable from the operations, by name: requests, responses and the types they nest. */
export class TypeRegistry {
  private readonly byName = new Map<string, TypeSpec>();

  constructor(operations: readonly Operation[], extraTypes: readonly TypeSpec[] = []) {
    for (const type of [ErrorResponse, ResponseStatus, ResponseError, ...extraTypes]) this.add(type);
    for (const operation of operations) {
      this.add(operation.request);
      if (operation.response) this.add(operation.response);
    }
  }

  get(name: string): TypeSpec | undefined {
    return this.byName.get(name);
  }

  all(): TypeSpec[] {
    return [...this.byName.values()];
  }

  private add(type: TypeSpec): void {
    if (this.byName.has(type.name)) return;
    this.byName.set(type.name, type);
  }
}

/** Returns the name of the DTO a `{ ref }` field, or a list of them, refers to. */
export function referencedTypeName(type: FieldType): string | undefined {
  if (typeof type !== 'object') return undefined;
  if ('ref' in type) return type.ref;
  if ('list' in type) return referencedTypeName(type.list);
  return undefined;
}
