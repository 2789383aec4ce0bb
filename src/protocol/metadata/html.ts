/** HTML escaping and the shared layout of the metadata pages: inline CSS, no scripts, no external assets. */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML element or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] as string);
}

/** Builds a root-relative URL with query parameters, escaped for an href attribute. */
export function href(path: string, query: Readonly<Record<string, string>> = {}): string {
  const search = new URLSearchParams(query).toString();
  return escapeHtml(search ? `${path}?${search}` : path);
}

const STYLE = `
  body { margin: 0; color: #1f2933; background: #fff; font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
  header { background: #27303a; border-bottom: 1px solid #191e23; }
  header h1 { margin: 0; padding: 0 16px; color: #fff; font-size: 24px; font-weight: normal; line-height: 48px; }
  header h1 a { color: inherit; }
  main { padding: 4px 16px 24px; max-width: 1100px; }
  a { color: #2b6cb0; font-weight: 600; text-decoration: none; }
  a:hover, a:focus { text-decoration: underline; }
  h2 { margin: 20px 0 8px; font-size: 22px; }
  h3 { margin: 24px 0 8px; font-size: 17px; }
  .description { margin: 0 0 16px; font-size: 16px; color: #3e4c59; }
  table { border-collapse: collapse; margin: 0 0 20px; }
  caption { text-align: left; padding: 8px 0; white-space: nowrap; }
  th, td { text-align: left; vertical-align: top; padding: 5px 14px 5px 0; }
  thead th { font-size: 12px; text-transform: uppercase; color: #616e7c; border-bottom: 1px solid #e4e7eb; }
  table.params td, table.operations td, table.operations th { border-bottom: 1px solid #f0f2f4; }
  table.operations td.formats a { margin-right: 8px; font-size: 12px; }
  table.routes th { font-family: Menlo, Consolas, monospace; }
  nav.languages { margin: 16px 0; }
  nav.languages a { display: inline-block; padding: 4px 10px; margin-right: 4px; border-radius: 6px; color: #616e7c; font-weight: 500; }
  nav.languages a.active { background: #f0f2f4; color: #1f2933; }
  pre { margin: 0 0 12px; padding: 8px 12px; overflow: auto; background: #f5f7fa; border: 1px solid #e4e7eb; border-radius: 4px;
        font: 13px/1.45 Menlo, Consolas, monospace; white-space: pre; tab-size: 4; }
  .example pre { background: #f7f7e8; border-color: #ecebd3; white-space: pre-wrap; overflow-wrap: anywhere; }
  code { font-family: Menlo, Consolas, monospace; }
  ul.references li { margin: 4px 0; }
`;

/** Renders a complete page with the service name as its header and `body`, already escaped, as its main content. */
export function renderPage(title: string, serviceName: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<header><h1><a href="/metadata">${escapeHtml(serviceName)}</a></h1></header>`,
    '<main>',
    body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Renders the page for a metadata URL that names an unknown operation, format or language. */
export function renderNotFoundPage(serviceName: string, message: string): string {
  const body = [
    '<p><a href="/metadata">&lt;back to all web services</a></p>',
    '<h2>Not found</h2>',
    `<p class="description">${escapeHtml(message)}</p>`,
  ].join('\n');
  return renderPage(`Not found | ${serviceName}`, serviceName, body);
}
