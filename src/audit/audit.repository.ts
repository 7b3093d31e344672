import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { FieldChanges } from './field-changes.js';
import type { AuditFilters, AuditRecordView } from './audit.schemas.js';

/** A record as written; `at` and `id` come from the database. */
export interface NewAuditRecord {
  actorId: number | null;
  actorName: string;
  module: string;
  command: string;
  entity: string | null;
  changes: FieldChanges;
  outcome: 'ok' | 'refused';
  address: string | null;
  transport: AuditRecordView['transport'];
}

interface AuditRow {
  id: string;
  at: Date;
  actor_id: number | null;
  actor_name: string;
  module: string;
  command: string;
  entity: string | null;
  changes: FieldChanges;
  outcome: 'ok' | 'refused';
  address: string | null;
  transport: AuditRecordView['transport'];
}

const COLUMNS = 'id, at, actor_id, actor_name, module, command, entity, changes, outcome, address, transport';

const toView = (row: AuditRow): AuditRecordView => ({ ...row, id: Number(row.id), at: row.at.toISOString() });

/** The audit_log table. `insert` runs inside the transaction of the change it records. */
@Injectable()
export class AuditRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, records: NewAuditRecord[]): Promise<AuditRecordView[]> {
    const values: unknown[] = [];
    const tuples = records.map((record) => {
      const fields = [record.actorId, record.actorName, record.module, record.command, record.entity, JSON.stringify(record.changes), record.outcome, record.address, record.transport];
      const placeholders = fields.map((_, index) => `$${values.length + index + 1}`);
      values.push(...fields);
      return `(${placeholders.join(', ')})`;
    });
    const rows = await manager.query<AuditRow[]>(
      `INSERT INTO audit_log (actor_id, actor_name, module, command, entity, changes, outcome, address, transport) VALUES ${tuples.join(', ')} RETURNING ${COLUMNS}`,
      values,
    );
    return rows.map(toView);
  }

  async list(filters: AuditFilters): Promise<{ rows: AuditRecordView[]; total: number }> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const where = (condition: (placeholder: string) => string, value: unknown): void => {
      values.push(value);
      conditions.push(condition(`$${values.length}`));
    };
    if (filters.user_id !== undefined) where((p) => `actor_id = ${p}`, filters.user_id);
    if (filters.module !== undefined) where((p) => `module = ${p}`, filters.module);
    if (filters.entity !== undefined) where((p) => `entity = ${p}`, filters.entity);
    if (filters.from !== undefined) where((p) => `at >= ${p}`, filters.from);
    if (filters.to !== undefined) where((p) => `at <= ${p}`, filters.to);
    const clause = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const [rows, [{ total }]] = await Promise.all([
      this.dataSource.query<AuditRow[]>(
        `SELECT ${COLUMNS} FROM audit_log ${clause} ORDER BY id DESC LIMIT ${filters.itemsPerPage} OFFSET ${(filters.page - 1) * filters.itemsPerPage}`,
        values,
      ),
      this.dataSource.query<Array<{ total: number }>>(`SELECT count(*)::int AS total FROM audit_log ${clause}`, values),
    ]);
    return { rows: rows.map(toView), total };
  }

  /** Drops records older than `retentionSeconds`; returns how many went. */
  async prune(retentionSeconds: number): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ removed: number }>>(
      `WITH doomed AS (DELETE FROM audit_log WHERE at < now() - make_interval(secs => $1) RETURNING 1) SELECT count(*)::int AS removed FROM doomed`,
      [retentionSeconds],
    );
    return row.removed;
  }
}
