import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { currentScope, type RequestScope } from '../common/request-scope.js';
import { TEST_SEAMS, type TestSeams } from '../common/test-seams.js';
import { EventBus } from '../events/event-bus.js';
import { AuditRepository, type NewAuditRecord } from './audit.repository.js';
import type { AuditRecordView } from './audit.schemas.js';
import type { FieldChanges } from './field-changes.js';

export const SYSTEM_ACTOR = 'system';

/** What a service says about the change it made; who, the command and from where come from the request's scope. */
export interface AuditEntry {
  entity: string | number | null;
  changes?: FieldChanges;
  /** Who acted, where the scope cannot say: a login names the user it let in, or the name it refused. */
  actor?: { id: number | null; name: string };
  outcome?: 'ok' | 'refused';
  /** The module and command, for a change made outside any command (the first start's admin). */
  module?: string;
  command?: string;
}

/** One transaction: the repositories' writes and the record of what they changed. */
export interface Work {
  /** Handed to the repository methods that write. */
  manager: EntityManager;
  /** Records the change; the record is written in this transaction after the work, so it commits or rolls back with it. */
  record: (entry: AuditEntry) => void;
}

/**
 * Runs a service's writes and their audit records in one transaction, so that there is no change
 * without its record and no record without its change. Services never see SQL: they pass
 * `work.manager` to their repositories. Once committed, each record is published to admins as
 * `audit:created`.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly audit: AuditRepository,
    private readonly bus: EventBus,
    @Inject(TEST_SEAMS) private readonly seams: TestSeams,
  ) {}

  async run<T>(work: (unit: Work) => Promise<T>): Promise<T> {
    const scope = currentScope();
    const pending: NewAuditRecord[] = [];
    let written: AuditRecordView[] = [];
    const result = await this.dataSource.transaction(async (manager) => {
      const value = await work({ manager, record: (entry) => pending.push(recordOf(scope, entry)) });
      if (pending.length > 0) {
        await this.seams.beforeAuditInsert?.(pending.map(({ module, command }) => ({ module, command })));
        written = await this.audit.insert(manager, pending);
      }
      return value;
    });
    for (const record of written) {
      this.bus.publish('domain', { domain: 'audit', entity: record.id, event: 'created', details: record, audience: 'admins' });
    }
    return result;
  }

  /** A record that has no change to go with (a failed login), in a transaction of its own. */
  async recordAlone(entry: AuditEntry): Promise<void> {
    await this.run(async (unit) => unit.record(entry));
  }
}

function recordOf(scope: RequestScope | undefined, entry: AuditEntry): NewAuditRecord {
  const module = entry.module ?? scope?.module;
  const command = entry.command ?? scope?.command;
  if (!module || !command) throw new Error('an audit record needs a module and a command: run it inside a command or name them');
  const actor = entry.actor ?? (scope?.actor ? { id: scope.actor.id, name: scope.actor.name } : { id: null, name: SYSTEM_ACTOR });
  return {
    actorId: actor.id,
    actorName: actor.name,
    module,
    command,
    entity: entry.entity === null ? null : String(entry.entity),
    changes: entry.changes ?? {},
    outcome: entry.outcome ?? 'ok',
    address: scope?.address ?? null,
    transport: scope?.transport ?? null,
  };
}
