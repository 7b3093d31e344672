import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { ListOptions } from './list-options.js';

/** Escapes LIKE wildcards so a search term matches literally. */
export const likePattern = (search: string): string => `%${search.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;

/**
 * Orders and pages a list query and runs it. Ties are broken by `idColumn`, except when sorting
 * by it already (TypeORM keeps one direction per column).
 */
export async function paginate<Row extends ObjectLiteral, Field extends string>(
  query: SelectQueryBuilder<Row>,
  options: ListOptions<Field>,
  sortColumns: Record<Field, string>,
  idColumn: string,
): Promise<{ rows: Row[]; total: number }> {
  const sortColumn = sortColumns[options.sortBy.field];
  query.orderBy(sortColumn, options.sortBy.direction);
  if (sortColumn !== idColumn) query.addOrderBy(idColumn, 'ASC');
  query.skip((options.page - 1) * options.itemsPerPage).take(options.itemsPerPage);
  const [rows, total] = await query.getManyAndCount();
  return { rows, total };
}
