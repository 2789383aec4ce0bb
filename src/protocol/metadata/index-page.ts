import type { FormatName } from '../formats/format.js';
import type { Operation } from '../operation.js';
import { escapeHtml, href, renderPage } from './html.js';
import type { LanguageGenerator } from './languages/index.js';

export interface IndexPageOptions {
  readonly serviceName: string;
  readonly operations: readonly Operation[];
  /** Formats that have a page, in the order to list them. */
  readonly formats: readonly FormatName[];
  readonly languages: readonly LanguageGenerator[];
}

/** Builds the URL of an operation's page in one format: /json/metadata?op=NewBillable. */
export function operationPageHref(format: FormatName, operation: Operation, language?: string): string {
  const query: Record<string, string> = { op: operation.request.name };
  if (language) query.lang = language;
  return href(`/${format}/metadata`, query);
}

function operationRow(operation: Operation, formats: readonly FormatName[]): string {
  const name = escapeHtml(operation.request.name);
  const mainFormat = formats.includes('json') ? 'json' : formats[0];
  const nameCell = mainFormat ? `<a href="${operationPageHref(mainFormat, operation)}">${name}</a>` : name;
  const formatLinks = formats.map((format) => `<a href="${operationPageHref(format, operation)}">${escapeHtml(format.toUpperCase())}</a>`).join(' ');
  return [
    '<tr>',
    `<th>${nameCell}</th>`,
    `<td><code>${escapeHtml(`${operation.method} ${operation.path}`)}</code></td>`,
    `<td>${escapeHtml(operation.roles.join(', '))}</td>`,
    `<td class="formats">${formatLinks}</td>`,
    `<td>${escapeHtml(operation.description)}</td>`,
    '</tr>',
  ].join('');
}

/** Renders the /metadata page: every operation with its route, roles and format pages, and the client DTO links. */
export function renderIndexPage(options: IndexPageOptions): string {
  const rows = options.operations.map((operation) => operationRow(operation, options.formats));
  const references = options.languages.map(
    (language) => `<li><a href="${href(`/types/${language.id}`)}">${escapeHtml(language.label)}</a> <code>${escapeHtml(`/types/${language.id}`)}</code></li>`,
  );

  const body = [
    '<h2>Operations</h2>',
    '<p class="description">The following operations are supported. Each format page shows the routes, the request parameters and a sample request and response.</p>',
    '<table class="operations">',
    '<thead><tr><th>Operation</th><th>Route</th><th>Roles</th><th>Formats</th><th>Description</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table>',
    '<h3>Client DTOs</h3>',
    '<p>Typed request and response DTOs for ServiceStack clients, as Add ServiceStack Reference fetches them:</p>',
    `<ul class="references">${references.join('\n')}</ul>`,
  ].join('\n');
  return renderPage(`${options.serviceName} metadata`, options.serviceName, body);
}
