import { Module, type OnModuleInit } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CommandRegistry } from '../commands/command-registry.js';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { CameraGrantsRepository } from './camera-grants.repository.js';
import { CameraGrantsService } from './camera-grants.service.js';
import { camerasCommands } from './cameras.commands.js';
import { CamerasRepository } from './cameras.repository.js';
import { CamerasService } from './cameras.service.js';

@Module({
  imports: [CredentialsModule, AuditModule],
  providers: [CamerasRepository, CameraGrantsRepository, CamerasService, CameraGrantsService],
  exports: [CamerasService, CameraGrantsService],
})
export class CamerasModule implements OnModuleInit {
  constructor(
    private readonly registry: CommandRegistry,
    private readonly cameras: CamerasService,
  ) {}

  onModuleInit(): void {
    this.registry.register('cameras', camerasCommands(this.cameras));
  }
}
