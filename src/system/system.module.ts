import { Module, type OnModuleInit } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { UnitOfWork } from '../audit/unit-of-work.js';
import { CommandRegistry } from '../commands/command-registry.js';
import { EventBus } from '../events/event-bus.js';
import { messagesCommands, systemCommands } from './system.commands.js';

@Module({ imports: [AuditModule] })
export class SystemModule implements OnModuleInit {
  constructor(
    private readonly registry: CommandRegistry,
    private readonly bus: EventBus,
    private readonly unit: UnitOfWork,
  ) {}

  onModuleInit(): void {
    this.registry.register('system', systemCommands());
    this.registry.register('messages', messagesCommands(this.bus, this.unit));
  }
}
