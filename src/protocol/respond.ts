import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TypeSpec } from './dto.js';
import type { WireFormat } from './formats/format.js';
import type { Negotiated } from './negotiation.js';
import type { TypeRegistry } from './type-registry.js';

/** Writes a response DTO in the negotiated format, with ServiceStack's headers for each format. */
export function sendDto(
  request: FastifyRequest,
  reply: FastifyReply,
  negotiated: Negotiated,
  value: unknown,
  context: { type: TypeSpec | null; types: TypeRegistry; operationName: string },
) {
  const { format, callback } = negotiated;
  const body = format.serialize(value, { type: context.type, types: (name) => context.types.get(name), operationName: context.operationName });

  if (callback !== undefined) {
    return reply.type('application/javascript; charset=utf-8').header('X-Content-Type-Options', 'nosniff').send(`${callback}(${body})`);
  }
  if (format.name === 'csv') void reply.header('Content-Disposition', `attachment;filename=${context.operationName}.csv`);
  return reply.type(contentTypeFor(format, request)).send(body);
}

/** Returns `text/jsv` on /jsv/reply/ routes and `application/jsv` elsewhere, as ServiceStack does. */
function contentTypeFor(format: WireFormat, request: FastifyRequest): string {
  if (format.name === 'jsv' && /^\/jsv\/(reply|oneway)\//i.test(request.url)) return 'text/jsv; charset=utf-8';
  return format.contentType;
}
