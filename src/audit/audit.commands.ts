import { defineCommand, type ModuleCommands } from '../commands/command-registry.js';
import { listResultSchema } from '../common/schemas.js';
import { auditRecordSchema, listAuditSchema } from './audit.schemas.js';
import type { AuditRepository } from './audit.repository.js';

/** The `audit` module (admins): who changed what, when and from where, newest first. */
export function auditCommands(records: AuditRepository): ModuleCommands {
  return {
    list: defineCommand({
      access: 'admin',
      summary: 'List audit records, newest first, filtered by user_id (who acted), module, entity and a from/to time range',
      payload: listAuditSchema,
      result: listResultSchema(auditRecordSchema),
      handle: async ({ payload }) => {
        const { rows, total } = await records.list(payload);
        return { items: rows, total, page: payload.page, itemsPerPage: payload.itemsPerPage };
      },
    }),
  };
}
