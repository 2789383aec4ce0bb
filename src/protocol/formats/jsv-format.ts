import { FormatError, type WireFormat } from './format.js';
import { JsvSyntaxError, parseJsv, serializeJsv } from './jsv.js';

export const jsvFormat: WireFormat = {
  name: 'jsv',
  contentType: 'application/jsv; charset=utf-8',
  mediaTypes: ['application/jsv', 'text/jsv'],

  parse(body) {
    try {
      return parseJsv(body);
    } catch (error) {
      if (error instanceof JsvSyntaxError) throw new FormatError(`The JSV body could not be read: ${error.message}`);
      throw error;
    }
  },

  serialize: (value) => serializeJsv(value ?? {}),
};
