import { Module, type OnModuleInit } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CommandRegistry } from '../commands/command-registry.js';
import { CamerasModule } from '../cameras/cameras.module.js';
import { StreamTokensRepository } from './stream-tokens.repository.js';
import { StreamTokensService } from './stream-tokens.service.js';
import { tokensCommands } from './tokens.commands.js';

@Module({
  imports: [CamerasModule, AuditModule],
  providers: [StreamTokensRepository, StreamTokensService],
  exports: [StreamTokensService],
})
export class TokensModule implements OnModuleInit {
  constructor(
    private readonly registry: CommandRegistry,
    private readonly tokens: StreamTokensService,
  ) {}

  onModuleInit(): void {
    this.registry.register('tokens', tokensCommands(this.tokens));
  }
}
