import { Module, type OnModuleInit } from '@nestjs/common';
import { CommandRegistry } from '../commands/command-registry.js';
import { auditCommands } from './audit.commands.js';
import { AuditRepository } from './audit.repository.js';
import { AuditRetention } from './audit-retention.js';
import { UnitOfWork } from './unit-of-work.js';

/** The audit log: the unit of work features write through, the `audit` module, and its retention. */
@Module({
  providers: [AuditRepository, UnitOfWork, AuditRetention],
  exports: [UnitOfWork],
})
export class AuditModule implements OnModuleInit {
  constructor(
    private readonly registry: CommandRegistry,
    private readonly records: AuditRepository,
  ) {}

  onModuleInit(): void {
    this.registry.register('audit', auditCommands(this.records));
  }
}
