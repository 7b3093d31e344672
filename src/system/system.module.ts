import { Module, type OnModuleInit } from '@nestjs/common';
import { CommandRegistry } from '../commands/command-registry.js';
import { EventBus } from '../events/event-bus.js';
import { messagesCommands, systemCommands } from './system.commands.js';

@Module({})
export class SystemModule implements OnModuleInit {
  constructor(
    private readonly registry: CommandRegistry,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    this.registry.register('system', systemCommands());
    this.registry.register('messages', messagesCommands(this.bus));
  }
}
