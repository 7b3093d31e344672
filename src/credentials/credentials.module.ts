import { Inject, Module, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logger.js';
import { AuditModule } from '../audit/audit.module.js';
import { CommandRegistry } from '../commands/command-registry.js';
import { SecretBox } from '../crypto/secret-box.js';
import { credentialsCommands } from './credentials.commands.js';
import { CredentialsRepository } from './credentials.repository.js';
import { CredentialsService } from './credentials.service.js';
import { OAuth2TokenStore } from './oauth2-token.store.js';

@Module({
  imports: [AuditModule],
  providers: [CredentialsRepository, CredentialsService, SecretBox, OAuth2TokenStore],
  exports: [CredentialsService, OAuth2TokenStore],
})
export class CredentialsModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly registry: CommandRegistry,
    private readonly credentials: CredentialsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** A changed SECRETS_KEY without the old one in SECRETS_OLD_KEYS leaves secrets unreadable: say so at start. */
  async onApplicationBootstrap(): Promise<void> {
    const missing = await this.credentials.unreadableKeyIds();
    if (missing.length > 0) {
      this.logger.warn({ keyIds: missing }, 'some stored secrets use keys that are not configured; add them to SECRETS_OLD_KEYS, then run npm run secrets:reencrypt');
    }
  }

  onModuleInit(): void {
    this.registry.register('credentials', credentialsCommands(this.credentials));
  }
}
