import { invalidField } from './errors.js';

export const DEFAULT_COUNT_PER_PAGE = 100;
export const MAX_COUNT_PER_PAGE = 1000;

/** Evo Voice list paging: `page` counts from 0, `countPerPage` items per page. */
export interface PageRequest {
  page?: number | undefined;
  countPerPage?: number | undefined;
}

export interface ListResult<T> {
  items: T[];
  totalCount: number;
  totalPages: number;
  hasMorePages: boolean;
}

export function toOffset(request: PageRequest): { offset: number; limit: number; page: number } {
  const page = request.page ?? 0;
  const limit = request.countPerPage ?? DEFAULT_COUNT_PER_PAGE;
  if (page < 0) throw invalidField('page', `'page' must be 0 or more (pages count from 0), not ${page}.`);
  if (limit < 1 || limit > MAX_COUNT_PER_PAGE) {
    throw invalidField('countPerPage', `'countPerPage' must be between 1 and ${MAX_COUNT_PER_PAGE}, not ${limit}.`);
  }
  return { offset: page * limit, limit, page };
}

export function toListResult<T>(items: T[], totalCount: number, paging: { page: number; limit: number }): ListResult<T> {
  const totalPages = Math.ceil(totalCount / paging.limit);
  return { items, totalCount, totalPages, hasMorePages: paging.page + 1 < totalPages };
}
