import { createReadStream, realpathSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

export const DOCS_PATH = '/docs';
export const DOCS_ASSETS_PATH = '/docs/assets';
const INITIALIZER_PATH = '/docs/swagger-initializer.js';

/** Content types of the files served from the package; any other extension is a 404. */
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
};

/**
 * The page's Content-Security-Policy: this origin only, so the browser blocks any request to
 * another host. Swagger UI sets inline style attributes, hence 'unsafe-inline' for styles only.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Assets change only with the package version, which is pinned in package.json. */
const ASSET_CACHE_CONTROL = 'public, max-age=3600';

/** Finds the directory of the installed swagger-ui-dist package, with symbolic links resolved. */
export function findSwaggerUiDirectory(): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve('swagger-ui-dist/package.json');
  } catch (error) {
    throw new Error('The API reference page needs the npm package swagger-ui-dist; run npm install.', { cause: error });
  }
  return realpathSync(path.dirname(manifest));
}

/**
 * Resolves a requested asset inside `root`. Returns undefined for anything that would leave the
 * directory (`..`, absolute paths, encoded or symbolic-link escapes), is not a file, or has an
 * extension without a known content type.
 */
export async function resolveAsset(root: string, requested: string): Promise<{ file: string; contentType: string; size: number } | undefined> {
  if (requested === '' || requested.includes('\0')) return undefined;
  const contentType = CONTENT_TYPES[path.extname(requested).toLowerCase()];
  if (!contentType) return undefined;

  const candidate = path.resolve(root, requested);
  if (!isInside(root, candidate)) return undefined;

  let file: string;
  try {
    file = await realpath(candidate);
  } catch {
    return undefined;
  }
  if (!isInside(root, file)) return undefined;

  const stats = await stat(file);
  if (!stats.isFile()) return undefined;
  return { file, contentType, size: stats.size };
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** Renders the HTML of the reference page. Every URL in it is on this server. */
export function renderDocsPage(title: string, documentUrl: string): string {
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${escapeHtml(title)} API reference</title>
    <link rel="stylesheet" type="text/css" href="${DOCS_ASSETS_PATH}/swagger-ui.css">
    <link rel="icon" type="image/png" href="${DOCS_ASSETS_PATH}/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui" data-url="${escapeHtml(documentUrl)}"></div>
    <script src="${DOCS_ASSETS_PATH}/swagger-ui-bundle.js" charset="utf-8"></script>
    <script src="${INITIALIZER_PATH}" charset="utf-8"></script>
  </body>
</html>
`;
}

/**
 * Starts Swagger UI on the document named by the page. validatorUrl is null because its default
 * sends the document to validator.swagger.io.
 */
const INITIALIZER_SCRIPT = `window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-url'),
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout'
  });
});
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** Registers GET /docs (the page), its initializer script and GET /docs/assets/* (files of swagger-ui-dist). */
export function registerDocsPage(app: FastifyInstance, options: { title: string; documentUrl: string }): void {
  const root = findSwaggerUiDirectory();
  const html = renderDocsPage(options.title, options.documentUrl);

  for (const url of [DOCS_PATH, `${DOCS_PATH}/`]) {
    app.get(url, (_request, reply) =>
      reply.type('text/html; charset=utf-8').header('Content-Security-Policy', CONTENT_SECURITY_POLICY).header('Cache-Control', 'no-cache').send(html),
    );
  }

  app.get(INITIALIZER_PATH, (_request, reply) =>
    reply.type(CONTENT_TYPES['.js'] as string).header('Cache-Control', 'no-cache').send(INITIALIZER_SCRIPT),
  );

  app.get(`${DOCS_ASSETS_PATH}/*`, async (request, reply) => {
    const requested = (request.params as { '*': string })['*'];
    const asset = await resolveAsset(root, requested);
    if (!asset) return reply.callNotFound();
    return reply
      .type(asset.contentType)
      .header('Content-Length', asset.size)
      .header('Cache-Control', ASSET_CACHE_CONTROL)
      .header('X-Content-Type-Options', 'nosniff')
      .send(createReadStream(asset.file));
  });
}
