import { defineCommand, type ModuleCommands } from '../commands/command-registry.js';
import { deletedSchema, listResultSchema } from '../common/schemas.js';
import {
  createCredentialSchema,
  credentialIdSchema,
  credentialViewSchema,
  listCredentialsSchema,
  updateCredentialSchema,
} from './credentials.schemas.js';
import type { CredentialsService } from './credentials.service.js';

/** The `credentials` module: admins only; secret fields are write-only. */
export function credentialsCommands(credentials: CredentialsService): ModuleCommands {
  return {
    list: defineCommand({
      access: 'admin',
      summary: 'List credentials',
      payload: listCredentialsSchema,
      result: listResultSchema(credentialViewSchema),
      handle: ({ payload }) => credentials.list(payload),
    }),
    read: defineCommand({
      access: 'admin',
      summary: 'Read a credential (secret fields show only as <field>_set)',
      entity: credentialIdSchema,
      result: credentialViewSchema,
      handle: ({ entity }) => credentials.read(entity),
    }),
    create: defineCommand({
      access: 'admin',
      summary: 'Create a credential of kind basic, token or oauth2',
      payload: createCredentialSchema,
      result: credentialViewSchema,
      successStatus: 201,
      handle: ({ payload }) => credentials.create(payload),
    }),
    update: defineCommand({
      access: 'admin',
      summary: 'Change a credential (the fields of its kind; kind itself cannot change)',
      entity: credentialIdSchema,
      payload: updateCredentialSchema,
      result: credentialViewSchema,
      handle: ({ entity, payload }) => credentials.update(entity, payload),
    }),
    delete: defineCommand({
      access: 'admin',
      summary: 'Delete a credential no camera uses',
      entity: credentialIdSchema,
      result: deletedSchema,
      handle: ({ entity }) => credentials.delete(entity),
    }),
  };
}

