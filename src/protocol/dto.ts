import type { Money } from '../billing/money.js';

/**
 * The one declaration of every DTO. Binding, validation and (later) metadata pages, OpenAPI and
 * client DTO export all read these specs, so a field added here appears everywhere.
 */
export type ScalarType = 'string' | 'int' | 'decimal' | 'bool' | 'datetime' | 'date';

export type FieldType =
  | ScalarType
  | { readonly enum: string; readonly values: readonly string[] }
  | { readonly list: FieldType }
  | { readonly ref: string };

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly required?: boolean;
  readonly description?: string;
  /** A secret (an auth token): its value never appears in error messages, logs or responses. */
  readonly secret?: boolean;
}

export interface TypeSpec {
  readonly name: string;
  readonly namespace: string;
  readonly description?: string;
  readonly fields: readonly FieldSpec[];
}

interface ScalarValues {
  string: string;
  int: number;
  decimal: Money;
  bool: boolean;
  datetime: Date;
  date: string;
}

export type FieldValue<T> = T extends ScalarType
  ? ScalarValues[T]
  : T extends { readonly enum: string; readonly values: readonly (infer E)[] }
    ? E
    : T extends { readonly list: infer L }
      ? FieldValue<L>[]
      : unknown;

/** The TypeScript type of a DTO declared with `as const`. */
export type Infer<S extends TypeSpec> = {
  [F in S['fields'][number] as F['name']]: F extends { readonly required: true }
    ? FieldValue<F['type']>
    : FieldValue<F['type']> | undefined;
};

export function defineType<const S extends TypeSpec>(spec: S): S {
  return spec;
}

export const BILLING_NAMESPACE = 'Voice.Api.Billing';
