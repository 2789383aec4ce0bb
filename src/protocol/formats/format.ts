import type { TypeSpec } from '../dto.js';

export const FORMAT_NAMES = ['json', 'jsv', 'xml', 'csv', 'jsonl'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

/** Looks up a DTO spec by name, for nested `{ ref }` fields and list items. */
export type TypeLookup = (name: string) => TypeSpec | undefined;

export interface SerializeContext {
  /** The declared type of the value being written; null when the shape is not declared. */
  type: TypeSpec | null;
  types: TypeLookup;
  /** The operation whose response this is, for file names (CSV) and root names. */
  operationName: string;
}

/** Raised by a format's parser for a body it cannot read; becomes a 400 SerializationException. */
export class FormatError extends Error {
  constructor(
    message: string,
    readonly fieldName = 'body',
  ) {
    super(message);
    this.name = 'FormatError';
  }
}

/**
 * One ServiceStack wire format. Every format reads request bodies into plain values (strings,
 * arrays, objects) for the DTO binder, and writes response DTOs.
 */
export interface WireFormat {
  readonly name: FormatName;
  /** Content-Type of responses in this format. */
  readonly contentType: string;
  /** Media types of request bodies this format reads, lower case, without parameters. */
  readonly mediaTypes: readonly string[];
  /** Reads a request body; null when the format cannot carry request bodies (CSV, JSONL). */
  parse: ((body: string, context: { type: TypeSpec; types: TypeLookup }) => unknown) | null;
  serialize(value: unknown, context: SerializeContext): string;
}
