import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CommandRegistry } from '../commands/command-registry.js';
import { healthCommands } from './health.commands.js';

@Module({})
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly registry: CommandRegistry,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.registry.register('health', healthCommands(this.dataSource));
  }
}
