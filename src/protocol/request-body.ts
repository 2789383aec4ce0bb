import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ServiceError } from '../errors.js';
import type { TypeSpec } from './dto.js';
import { FormatError, type TypeLookup } from './formats/format.js';
import { FORMATS, formatForMediaType } from './formats/index.js';

const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** The request body as text, read before routing; it is parsed once the request DTO is known. */
export class RawBody {
  constructor(
    readonly mediaType: string,
    readonly text: string,
  ) {}
}

/** Accepts bodies in every format that can carry a request, and form posts; others get 415. */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  const mediaTypes = [FORM_MEDIA_TYPE];
  for (const format of FORMATS.values()) if (format.parse) mediaTypes.push(...format.mediaTypes);
  app.addContentTypeParser(mediaTypes, { parseAs: 'string' }, (request, body, done) => {
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    done(null, new RawBody(mediaType, body as string));
  });
}

function serializationError(error: FormatError): ServiceError {
  return new ServiceError('Validation', 'SerializationException', error.message, [
    { errorCode: 'SerializationException', fieldName: error.fieldName, message: error.message },
  ]);
}

function parseForm(text: string): Record<string, string> {
  // curl -d sends JSON as a form unless a Content-Type is given, so name the mistake instead of missing fields.
  if (/^\s*[{[]/.test(text)) {
    throw new FormatError('The body looks like JSON but was sent as application/x-www-form-urlencoded; set the header Content-Type: application/json.');
  }
  const values: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    if (Object.hasOwn(values, key)) throw new FormatError(`The form gives '${key}' more than once; send each field once.`, key);
    values[key] = value;
  }
  return values;
}

/** Parses the body of a request in its Content-Type's format; undefined when there is none. */
export function parseBody(request: FastifyRequest, type: TypeSpec, types: TypeLookup): unknown {
  const body = request.body;
  if (!(body instanceof RawBody) || body.text.trim() === '') return undefined;
  try {
    if (body.mediaType === FORM_MEDIA_TYPE) return parseForm(body.text);
    const format = formatForMediaType(body.mediaType);
    if (!format?.parse) throw new FormatError(`Request bodies in ${body.mediaType} are not supported.`);
    return format.parse(body.text, { type, types });
  } catch (error) {
    if (error instanceof FormatError) throw serializationError(error);
    throw error;
  }
}
