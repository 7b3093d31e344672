/** PostgreSQL's SQLSTATE of a failed query, as TypeORM passes it on in `driverError`. */
const sqlState = (error: unknown): string | undefined => (error as { driverError?: { code?: string } } | null)?.driverError?.code;

/** A write refused by a unique index or constraint (23505). */
export const isUniqueViolation = (error: unknown): boolean => sqlState(error) === '23505';

/** A write refused by a foreign key (23503). */
export const isForeignKeyViolation = (error: unknown): boolean => sqlState(error) === '23503';
