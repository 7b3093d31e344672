import { z } from 'zod';

/** Answer of every delete command. */
export const deletedSchema = z.object({ id: z.number().int(), deleted: z.literal(true) });

/** Answer of every list command. */
export const listResultSchema = (item: z.ZodType) =>
  z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), itemsPerPage: z.number().int() });
