/**
 * Pretty-printers for the sample bodies on metadata pages. They only add line breaks and
 * indentation, so the samples remain valid bodies in their format.
 */

/**
 * Indents JSV the way ServiceStack's JsvFormatter.Format does: a new line and one tab per level
 * after `{`, `[` and `,`, and a space after the first `:` of each entry. Quoted strings are copied
 * unchanged, with `""` as an escaped quote.
 */
export function formatJsv(text: string): string {
  let output = '';
  let depth = 0;
  let firstKeySeparator = true;
  const newLine = (level: number): string => `\n${'\t'.repeat(Math.max(level, 0))}`;

  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    const next = text[index + 1];

    if (char === '"') {
      const end = endOfQuotedJsv(text, index);
      output += text.slice(index, end + 1);
      index = end;
      continue;
    }
    if (char === '{' || char === '[') {
      const close = char === '{' ? '}' : ']';
      if (next === close) {
        output += char + close;
        index++;
        continue;
      }
      if (text[index - 1] === ':') output += newLine(depth);
      depth++;
      output += char + newLine(depth);
      firstKeySeparator = true;
      continue;
    }
    if (char === '}' || char === ']') {
      depth--;
      output += newLine(depth) + char;
      firstKeySeparator = true;
      continue;
    }
    if (char === ',') {
      output += char + newLine(depth);
      firstKeySeparator = true;
      continue;
    }
    output += char;
    if (char === ':' && firstKeySeparator) {
      output += ' ';
      firstKeySeparator = false;
    }
  }
  return output;
}

/** Finds the quote that closes the JSV string opening at `start`. A doubled quote is part of the text. */
function endOfQuotedJsv(text: string, start: number): number {
  for (let index = start + 1; index < text.length; index++) {
    if (text[index] !== '"') continue;
    if (text[index + 1] === '"') {
      index++;
      continue;
    }
    return index;
  }
  return text.length - 1;
}

/**
 * Puts every XML element on its own line, indented two spaces per level, with an element that
 * holds only text kept on one line.
 * NOTE: this reads tags with a plain pattern, so it is only for the samples built from
 * placeholder values: a CDATA section or comment containing `>` would be split wrongly.
 */
export function indentXml(xml: string): string {
  const tokens = xml.match(/<[^>]+>|[^<]+/g) ?? [];
  const lines: string[] = [];
  let depth = 0;
  const pad = (): string => '  '.repeat(Math.max(depth, 0));

  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as string;
    if (!token.startsWith('<')) {
      if (token.trim() !== '') lines.push(pad() + token.trim());
      continue;
    }
    if (token.startsWith('<?') || token.startsWith('<!')) {
      lines.push(pad() + token);
      continue;
    }
    if (token.startsWith('</')) {
      depth--;
      lines.push(pad() + token);
      continue;
    }
    if (token.endsWith('/>')) {
      lines.push(pad() + token);
      continue;
    }

    const next = tokens[index + 1];
    const afterNext = tokens[index + 2];
    if (next?.startsWith('</')) {
      lines.push(pad() + token + next);
      index += 1;
    } else if (next !== undefined && !next.startsWith('<') && afterNext?.startsWith('</')) {
      lines.push(pad() + token + next + afterNext);
      index += 2;
    } else {
      lines.push(pad() + token);
      depth++;
    }
  }
  return lines.join('\n');
}
