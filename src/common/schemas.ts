import { z } from 'zod';

/** Answer of every delete command. */
export const deletedSchema = z.object({ id: z.number().int(), deleted: z.literal(true) });

/** Answer of every list command. */
export const listResultSchema = (item: z.ZodType) =>
  z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), itemsPerPage: z.number().int() });

/**
 * The id of a row: a whole number from 1 to 2^31-1, given as a number or as its decimal digits
 * (REST paths are strings). Nothing else: not "0x1", not " 1 ", not "1e2".
 */
export const entityIdSchema = (what: string) => {
  const message = `must be a ${what} id (a positive whole number)`;
  return z
    .union([z.number(), z.string().regex(/^\d{1,10}$/, message).transform(Number)], { message })
    .pipe(z.number({ message }).int(message).min(1, message).max(2147483647, message));
};
