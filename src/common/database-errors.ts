/** PostgreSQL's SQLSTATE of a failed query, as TypeORM passes it on in `driverError`. */
const sqlState = (error: unknown): string | undefined => (error as { driverError?: { code?: string } } | null)?.driverError?.code;

/** A write refused by a unique index or constraint (23505). */
export const isUniqueViolation = (error: unknown): boolean => sqlState(error) === '23505';

/** A write refused by a foreign key (23503). */
export const isForeignKeyViolation = (error: unknown): boolean => sqlState(error) === '23503';

/**
 * A statement PostgreSQL cancelled for its statement_timeout (57014), or one pg gave up waiting
 * for (its query_timeout), whether thrown as it is or wrapped by TypeORM.
 */
export function isStatementTimeout(error: unknown): boolean {
  for (const candidate of [error, (error as { driverError?: unknown } | null)?.driverError, (error as { cause?: unknown } | null)?.cause]) {
    if (!(candidate instanceof Error)) continue;
    if ((candidate as { code?: unknown }).code === '57014' || /Query read timeout/i.test(candidate.message)) return true;
  }
  return false;
}
