import { Module, type OnModuleInit } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CommandRegistry } from '../commands/command-registry.js';
import { CamerasModule } from '../cameras/cameras.module.js';
import { ClusterSignals } from '../events/cluster-signals.js';
import { LoginFailuresStore } from './login-failures.store.js';
import { LoginThrottle } from './login-throttle.js';
import { PasswordHasher } from './password-hasher.js';
import { usersCommands } from './users.commands.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [CamerasModule, AuditModule],
  providers: [UsersRepository, UsersService, PasswordHasher, LoginThrottle, LoginFailuresStore],
  exports: [UsersService, PasswordHasher, LoginThrottle],
})
export class UsersModule implements OnModuleInit {
  constructor(
    private readonly registry: CommandRegistry,
    private readonly users: UsersService,
    private readonly signals: ClusterSignals,
  ) {}

  onModuleInit(): void {
    this.registry.register('users', usersCommands(this.users));
    // An access change reaches other instances without its grants, which they read back here.
    this.signals.readAccessWith((userId) => this.users.accessOf(userId));
  }
}
