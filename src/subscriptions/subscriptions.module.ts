import { Module, type OnModuleInit } from '@nestjs/common';
import { CommandRegistry } from '../commands/command-registry.js';
import { subscriptionsCommands } from './subscriptions.commands.js';

@Module({})
export class SubscriptionsModule implements OnModuleInit {
  constructor(private readonly registry: CommandRegistry) {}

  onModuleInit(): void {
    this.registry.register('subscriptions', subscriptionsCommands());
  }
}
