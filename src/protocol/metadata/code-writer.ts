/**
 * Line-based source writer shared by the DTO generators. Indentation is four spaces per level and
 * `line()` with no text writes an empty line without indentation, as ServiceStack's
 * StringBuilderWrapper does, so generated code lines up with ServiceStack's output byte for byte.
 */
export class CodeWriter {
  private readonly lines: string[] = [];
  private depth = 0;

  line(text?: string): this {
    this.lines.push(text === undefined ? '' : '    '.repeat(this.depth) + text);
    return this;
  }

  indent(): this {
    this.depth++;
    return this;
  }

  outdent(): this {
    if (this.depth === 0) throw new Error('CodeWriter.outdent() called at indentation level 0');
    this.depth--;
    return this;
  }

  /** Number of lines written so far, to tell whether a block got any content. */
  get lineCount(): number {
    return this.lines.length;
  }

  toString(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }
}

/** Converts a camelCase DTO field name to its .NET property name: `accountId` → `AccountId`. */
export function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** Converts a camelCase DTO field name to its Python attribute name: `twilioAccountSid` → `twilio_account_sid`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** Writes `text` as a double-quoted string literal that C#, F#, TypeScript and Python all read back unchanged. */
export function quoted(text: string): string {
  const escaped = text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t');
  return `"${escaped}"`;
}

/**
 * Flattens a description into one comment line. Line breaks become spaces and `*\/` is escaped,
 * so a description can never end the comment early and inject code.
 */
export function commentText(description: string): string {
  return description.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\*\//g, '*\\/');
}

/** Formats a date, in UTC, as ServiceStack writes it in the `Options:` header: `2026-01-31 14:05:09`. */
export function headerDate(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
