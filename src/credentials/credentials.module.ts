import { Module, type OnModuleInit } from '@nestjs/common';
import { CommandRegistry } from '../api/command-registry.js';
import { SecretBox } from '../crypto/secret-box.js';
import { credentialsCommands } from './credentials.commands.js';
import { CredentialsService } from './credentials.service.js';

@Module({
  providers: [CredentialsService, SecretBox],
  exports: [CredentialsService],
})
export class CredentialsModule implements OnModuleInit {
  constructor(
    private readonly registry: CommandRegistry,
    private readonly credentials: CredentialsService,
  ) {}

  onModuleInit(): void {
    this.registry.register('credentials', credentialsCommands(this.credentials));
  }
}
