import { z } from 'zod';
import { MAX_ITEMS_PER_PAGE } from '../common/list-options.js';

const fieldChangeSchema = z.union([z.object({ old: z.unknown(), new: z.unknown() }), z.enum(['set', 'cleared'])]);

export const auditRecordSchema = z.object({
  id: z.number().int(),
  at: z.string(),
  actor_id: z.number().int().nullable().describe('null for the system, or a failed login of an unknown name'),
  actor_name: z.string().describe('the user, `system`, or the name a failed login gave'),
  module: z.string(),
  command: z.string(),
  entity: z.string().nullable(),
  changes: z.record(z.string(), fieldChangeSchema).describe('field → {old, new}; secrets only as "set" or "cleared"'),
  outcome: z.enum(['ok', 'refused']).describe('refused: a failed login, or a refresh token used twice (its session was ended)'),
  address: z.string().nullable(),
  transport: z.enum(['rest', 'socket', 'console']).nullable().describe('null for a change the relay made itself'),
});

export type AuditRecordView = z.infer<typeof auditRecordSchema>;

const time = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time such as 2026-01-31T12:00:00Z' }).transform((value) => new Date(value));

/** Newest first; every filter optional. Numbers are coerced so that REST query strings and socket payloads share it. */
export const listAuditSchema = z.preprocess(
  (value) => value ?? {},
  z
    .strictObject({
      user_id: z.coerce.number().int().min(1).optional(),
      module: z.string().min(1).max(64).optional(),
      entity: z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1).max(64)).optional(),
      from: time.optional(),
      to: time.optional(),
      page: z.coerce.number().int().min(1).default(1),
      itemsPerPage: z.coerce.number().int().min(1).max(MAX_ITEMS_PER_PAGE).default(20),
    })
    .refine((filters) => !filters.from || !filters.to || filters.from <= filters.to, { path: ['to'], message: 'must not be before from' }),
);

export type AuditFilters = z.infer<typeof listAuditSchema>;
