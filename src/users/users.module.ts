import { Module, type OnModuleInit } from '@nestjs/common';
import { CommandRegistry } from '../api/command-registry.js';
import { CamerasModule } from '../cameras/cameras.module.js';
import { PasswordHasher } from './password-hasher.js';
import { usersCommands } from './users.commands.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [CamerasModule],
  providers: [UsersService, PasswordHasher],
  exports: [UsersService, PasswordHasher],
})
export class UsersModule implements OnModuleInit {
  constructor(
    private readonly registry: CommandRegistry,
    private readonly users: UsersService,
  ) {}

  onModuleInit(): void {
    this.registry.register('users', usersCommands(this.users));
  }
}
