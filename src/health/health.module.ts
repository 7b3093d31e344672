import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CommandRegistry } from '../commands/command-registry.js';
import { HookHealth } from '../mediamtx/hook-health.js';
import { MediaMtxModule } from '../mediamtx/mediamtx.module.js';
import { healthCommands } from './health.commands.js';

@Module({ imports: [MediaMtxModule] })
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly registry: CommandRegistry,
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly hooks: HookHealth,
  ) {}

  onModuleInit(): void {
    this.registry.register('health', healthCommands(this.dataSource, this.hooks));
  }
}
