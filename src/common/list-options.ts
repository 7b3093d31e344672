import { z } from 'zod';

export const MAX_ITEMS_PER_PAGE = 100;

export interface ListOptions<Field extends string = string> {
  search?: string;
  page: number;
  itemsPerPage: number;
  sortBy: { field: Field; direction: 'ASC' | 'DESC' };
}

export interface ListResult<T> {
  items: T[];
  total: number;
  page: number;
  itemsPerPage: number;
}

/**
 * List options for a module whose sortable fields are `sortable` (the first is the default).
 * Numbers are coerced so that REST query strings and socket payloads share one schema.
 */
export function listOptionsSchema<Field extends string>(sortable: readonly [Field, ...Field[]]) {
  const sortValues = sortable.flatMap((field) => [field, `-${field}`]);
  const options = z
    .strictObject({
      search: z.string().max(200).optional(),
      page: z.coerce.number().int().min(1).default(1),
      itemsPerPage: z.coerce.number().int().min(1).max(MAX_ITEMS_PER_PAGE).default(10),
      sortBy: z.enum(sortValues as [string, ...string[]], { message: `must be one of: ${sortValues.join(', ')}` }).default(sortable[0]),
    })
    .transform(
      (options): ListOptions<Field> => ({
        search: options.search === '' ? undefined : options.search,
        page: options.page,
        itemsPerPage: options.itemsPerPage,
        sortBy: options.sortBy.startsWith('-')
          ? { field: options.sortBy.slice(1) as Field, direction: 'DESC' }
          : { field: options.sortBy as Field, direction: 'ASC' },
      }),
    );
  // A list request without options lists the first page.
  return z.preprocess((value) => value ?? {}, options);
}

/** Escapes LIKE wildcards so a search term matches literally. */
export const likePattern = (search: string): string => `%${search.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
