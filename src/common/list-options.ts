import { z } from 'zod';

export const MAX_ITEMS_PER_PAGE = 100;

export interface ListOptions<Field extends string = string> {
  search?: string;
  page: number;
  itemsPerPage: number;
  sortBy: { field: Field; direction: 'ASC' | 'DESC' };
  /** Cameras only: include live status from MediaMTX. */
  withStatus: boolean;
}

export interface ListResult<T> {
  items: T[];
  total: number;
  page: number;
  itemsPerPage: number;
}

const booleanOption = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])], { message: 'must be true or false' })
  .transform((value) => value === true || value === 'true' || value === '1');

/**
 * List options for a module whose sortable fields are `sortable` (the first is the default).
 * Numbers are coerced so that REST query strings and socket payloads share one schema.
 */
export function listOptionsSchema<Field extends string>(sortable: readonly [Field, ...Field[]], features: { withStatus?: boolean } = {}) {
  const sortValues = sortable.flatMap((field) => [field, `-${field}`]);
  const schema = z
    .strictObject({
      search: z.string().max(200).optional(),
      page: z.coerce.number().int().min(1).default(1),
      itemsPerPage: z.coerce.number().int().min(1).max(MAX_ITEMS_PER_PAGE).default(10),
      sortBy: z.enum(sortValues as [string, ...string[]], { message: `must be one of: ${sortValues.join(', ')}` }).default(sortable[0]),
      ...(features.withStatus ? { withStatus: booleanOption.default(false) } : {}),
    })
    .transform(
      (options): ListOptions<Field> => ({
        search: options.search === '' ? undefined : options.search,
        page: options.page,
        itemsPerPage: options.itemsPerPage,
        withStatus: (options as { withStatus?: boolean }).withStatus ?? false,
        sortBy: options.sortBy.startsWith('-')
          ? { field: options.sortBy.slice(1) as Field, direction: 'DESC' }
          : { field: options.sortBy as Field, direction: 'ASC' },
      }),
    );
  // A list request without options lists the first page.
  return z.preprocess((value) => value ?? {}, schema);
}
