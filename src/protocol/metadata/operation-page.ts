import type { TypeLookup, WireFormat } from '../formats/format.js';
import type { Operation } from '../operation.js';
import type { DtoDeclaration, DtoModel, EnumDeclaration, FieldDeclaration } from './dto-model.js';
import { escapeHtml, href, renderPage } from './html.js';
import { operationPageHref } from './index-page.js';
import { csharpType } from './languages/csharp.js';
import type { LanguageGenerator } from './languages/index.js';
import { sampleRequest, sampleResponse } from './samples.js';
import { selectForOperation } from './selection.js';

export interface OperationPageOptions {
  readonly serviceName: string;
  readonly operation: Operation;
  readonly format: WireFormat;
  /** Format of request bodies for formats that cannot read them, as in SampleRequestOptions. */
  readonly bodyFallback: WireFormat | undefined;
  readonly model: DtoModel;
  readonly types: TypeLookup;
  /** The request's Host header, shown in the sample request. */
  readonly host: string;
  /** Languages to link to, and the one whose DTOs replace the parameter tables, if any. */
  readonly languages: readonly LanguageGenerator[];
  readonly language?: LanguageGenerator;
  /** Callback for a sample that cannot be written. The page shows the error message in its place. */
  readonly onSampleError: (error: unknown) => void;
}

/** Returns where a request field is read from in ServiceStack's terms: path, query or body, and `form` for fields of other DTOs. */
function parameterKind(field: FieldDeclaration, dto: DtoDeclaration): string {
  const request = dto.request;
  if (!request) return 'form';
  const pathVariables = [...request.path.matchAll(/\{(\w+)\}/g)].map((match) => (match[1] as string).toLowerCase());
  if (pathVariables.includes(field.name.toLowerCase())) return 'path';
  return request.method === 'GET' || request.method === 'DELETE' ? 'query' : 'body';
}

function fieldDescription(field: FieldDeclaration, model: DtoModel): string {
  const description = escapeHtml(field.description ?? '');
  const enumDeclaration = field.type.kind === 'enum' ? model.enumNamed(field.type.name) : undefined;
  if (!enumDeclaration) return description;
  const values = enumDeclaration.values.map((value) => `<li>${escapeHtml(value)}</li>`).join('');
  return `${description}<h4>Allowable Values</h4><ul>${values}</ul>`;
}

function parameterTable(dto: DtoDeclaration, model: DtoModel): string {
  const name = dto.typeParameters.length === 0 ? dto.name : `${dto.name}<${dto.typeParameters.join(', ')}>`;
  const rows = dto.fields.map((field) =>
    [
      '<tr>',
      `<td>${escapeHtml(field.name)}</td>`,
      `<td>${parameterKind(field, dto)}</td>`,
      `<td>${escapeHtml(csharpType(field.type, field.required))}</td>`,
      `<td>${field.required ? 'Yes' : 'No'}</td>`,
      `<td>${fieldDescription(field, model)}</td>`,
      '</tr>',
    ].join(''),
  );
  return [
    '<table class="params">',
    `<caption><b>${escapeHtml(name)}</b> Parameters:</caption>`,
    '<thead><tr><th>Name</th><th>Parameter</th><th>Data Type</th><th>Required</th><th>Description</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody>`,
    '</table>',
  ].join('');
}

function enumTable(declaration: EnumDeclaration): string {
  const rows = declaration.values.map((value) => `<tr><td>${escapeHtml(value)}</td></tr>`).join('');
  return `<table class="enum"><caption><b>${escapeHtml(declaration.name)}</b> Enum:</caption><tbody>${rows}</tbody></table>`;
}

function authenticationTable(operation: Operation): string {
  let roles = '';
  if (operation.roles.length === 1) roles = `<tr><td>Required role:</td><td>${escapeHtml(operation.roles[0] as string)}</td></tr>`;
  // Any one of the roles is enough, which ServiceStack words as RequiresAnyRole.
  else if (operation.roles.length > 1) roles = `<tr><td>Requires any of the roles:</td><td>${escapeHtml(operation.roles.join(', '))}</td></tr>`;
  return `<table class="authentication"><caption><b>Requires Authentication</b></caption><tbody>${roles}</tbody></table>`;
}

function languageNav(options: OperationPageOptions): string {
  const format = options.format.name;
  const links = [
    `<a${options.language ? '' : ' class="active"'} href="${operationPageHref(format, options.operation)}">Metadata</a>`,
    ...options.languages.map((language) => {
      const active = language === options.language ? ' class="active"' : '';
      return `<a${active} href="${operationPageHref(format, options.operation, language.id)}">${escapeHtml(language.label)}</a>`;
    }),
  ];
  return `<nav class="languages">${links.join('\n')}</nav>`;
}

function dtoSection(options: OperationPageOptions): string {
  const { model, operation, language } = options;
  const selection = selectForOperation(model, operation);

  if (language) {
    const source = language.generate(selection, {});
    const name = operation.request.name;
    const typesHref = href(`/types/${language.id}`, { IncludeTypes: `${name}.*` });
    return [
      `<pre><code class="language-${escapeHtml(language.id)}">${escapeHtml(source)}</code></pre>`,
      `<p><a href="${typesHref}">${escapeHtml(`${language.label} ${name} DTOs`)}</a></p>`,
    ].join('\n');
  }

  const request = model.requestOf(operation);
  const tables = [parameterTable(request, model)];
  for (const entry of selection.declarations) {
    if (entry.kind === 'dto' && entry.declaration !== request && entry.declaration.fields.length > 0) tables.push(parameterTable(entry.declaration, model));
  }
  for (const entry of selection.declarations) if (entry.kind === 'enum') tables.push(enumTable(entry.declaration));
  return tables.join('\n');
}

function sampleText(options: OperationPageOptions, write: () => string): string {
  try {
    return write();
  } catch (error) {
    options.onSampleError(error);
    return `(No sample: ${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Renders the page of one operation in one format: /{format}/metadata?op={name}[&lang={language}]. */
export function renderOperationPage(options: OperationPageOptions): string {
  const { operation, format } = options;
  const name = operation.request.name;
  const sampleOptions = { operation, format, bodyFallback: options.bodyFallback, host: options.host, types: options.types };
  const route = `<tr><th>${escapeHtml(operation.method)}</th><th>${escapeHtml(operation.path)}</th></tr>`;
  const jsonp = format.name === 'json' ? '<p>To embed the response in a <b>jsonp</b> callback, append <b>?callback=myCallback</b></p>' : '';

  const body = [
    '<p><a href="/metadata">&lt;back to all web services</a></p>',
    `<h2>${escapeHtml(name)}</h2>`,
    `<p class="description">${escapeHtml(operation.description)}</p>`,
    authenticationTable(operation),
    `<table class="routes"><caption>The following routes are available for this service:</caption><tbody>${route}</tbody></table>`,
    languageNav(options),
    dtoSection(options),
    '<div class="call-info">',
    `<p>To override the Content-type in your clients, use the HTTP <b>Accept</b> Header, append the <b>.${escapeHtml(format.name)}</b> suffix or <b>?format=${escapeHtml(format.name)}</b></p>`,
    jsonp,
    '</div>',
    '<section class="example">',
    `<h3>HTTP + ${escapeHtml(format.name.toUpperCase())}</h3>`,
    '<p>The following are sample HTTP requests and responses. The placeholders shown need to be replaced with actual values.</p>',
    `<div class="request"><pre>${escapeHtml(sampleText(options, () => sampleRequest(sampleOptions)))}</pre></div>`,
    `<div class="response"><pre>${escapeHtml(sampleText(options, () => sampleResponse(sampleOptions)))}</pre></div>`,
    '</section>',
  ].join('\n');
  return renderPage(`${name} | ${options.serviceName}`, options.serviceName, body);
}
