import { Module, type OnModuleInit } from '@nestjs/common';
import { CommandRegistry } from '../commands/command-registry.js';
import { LogStream } from '../logging/log-stream.js';
import { ClusterLog } from './cluster-log.js';
import { logsCommands } from './logs.commands.js';

@Module({ providers: [ClusterLog] })
export class LogsModule implements OnModuleInit {
  constructor(
    private readonly registry: CommandRegistry,
    private readonly logs: LogStream,
  ) {}

  onModuleInit(): void {
    this.registry.register('logs', logsCommands(this.logs));
  }
}
