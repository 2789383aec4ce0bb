import { describe, expect, it } from 'vitest';
import { ServiceError } from '../src/errors.js';
import { bindRequest } from '../src/protocol/binder.js';
import type { TypeSpec } from '../src/protocol/dto.js';

const spec: TypeSpec = {
  name: 'Sample',
  namespace: 'Test',
  fields: [
    { name: 'at', type: 'datetime' },
    { name: 'day', type: 'date' },
    { name: 'count', type: 'int' },
    { name: 'ids', type: { list: 'string' } },
    { name: 'name', type: 'string', required: true },
  ],
};

function bind(body: Record<string, unknown>) {
  return bindRequest<Record<string, any>>(spec, { body: { name: 'x', ...body } });
}

describe('bindRequest', () => {
  it('reads times without an offset as UTC', () => {
    expect(bind({ at: '2026-01-01T12:00' }).at.toISOString()).toBe('2026-01-01T12:00:00.000Z');
    expect(bind({ at: '2026-01-01 12:00:30' }).at.toISOString()).toBe('2026-01-01T12:00:30.000Z');
    expect(bind({ at: '2026-01-01' }).at.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(bind({ at: '2026-01-01T12:00:00+02:00' }).at.toISOString()).toBe('2026-01-01T10:00:00.000Z');
  });

  it('keeps the date part of a date', () => {
    expect(bind({ day: '2026-02-28T23:59:59-05:00' }).day).toBe('2026-02-28');
  });

  it('splits comma-separated lists', () => {
    expect(bind({ ids: 'a, b,c' }).ids).toEqual(['a', 'b', 'c']);
    expect(bind({ ids: '[a,b]' }).ids).toEqual(['a', 'b']);
    expect(bind({ ids: ['a', 'b'] }).ids).toEqual(['a', 'b']);
  });

  it('matches names case-insensitively', () => {
    expect(bindRequest<Record<string, any>>(spec, { query: { NAME: 'q', COUNT: '7' } })).toEqual({ name: 'q', count: 7 });
  });

  it('reports every bad field at once', () => {
    let error: unknown;
    try {
      bindRequest(spec, { body: { at: '2026-13-01', count: '1.5', day: 'soon' } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).fieldErrors.map((field) => field.fieldName)).toEqual(['at', 'day', 'count', 'name']);
  });

  it('lets path values win over body and query', () => {
    const bound = bindRequest<Record<string, any>>(spec, { query: { name: 'query' }, body: { name: 'body' }, path: { name: 'path' } });
    expect(bound.name).toBe('path');
  });
});
