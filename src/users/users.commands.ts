import { defineCommand, type ModuleCommands } from '../commands/command-registry.js';
import { deletedSchema, listResultSchema } from '../common/schemas.js';
import { createUserSchema, listUsersSchema, updateUserSchema, userIdSchema, userViewSchema } from './users.schemas.js';
import type { UsersService } from './users.service.js';


/** The `users` module: admins manage everyone; a user reads and updates their own account. */
export function usersCommands(users: UsersService): ModuleCommands {
  return {
    list: defineCommand({
      access: 'admin',
      summary: 'List users',
      payload: listUsersSchema,
      result: listResultSchema(userViewSchema),
      handle: ({ auth, payload }) => users.list(auth, payload),
    }),
    read: defineCommand({
      access: 'authenticated',
      summary: 'Read a user (a user may read only themselves)',
      entity: userIdSchema,
      result: userViewSchema,
      handle: ({ auth, entity }) => users.read(auth, entity),
    }),
    create: defineCommand({
      access: 'admin',
      summary: 'Create a user',
      payload: createUserSchema,
      result: userViewSchema,
      successStatus: 201,
      handle: ({ auth, payload }) => users.create(auth, payload),
    }),
    update: defineCommand({
      access: 'authenticated',
      summary: 'Change a user (a user may change only their own username and password)',
      entity: userIdSchema,
      payload: updateUserSchema,
      result: userViewSchema,
      handle: ({ auth, entity, payload }) => users.update(auth, entity, payload),
    }),
    delete: defineCommand({
      access: 'admin',
      summary: 'Delete a user',
      entity: userIdSchema,
      result: deletedSchema,
      handle: ({ auth, entity }) => users.delete(auth, entity),
    }),
  };
}
