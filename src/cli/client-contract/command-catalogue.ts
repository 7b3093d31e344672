import { auditCommands } from '../../audit/audit.commands.js';
import { authCommands } from '../../auth/auth.commands.js';
import { camerasCommands } from '../../cameras/cameras.commands.js';
import type { CommandDefinition, ModuleCommands } from '../../commands/command-registry.js';
import { credentialsCommands } from '../../credentials/credentials.commands.js';
import { healthCommands } from '../../health/health.commands.js';
import { logsCommands } from '../../logs/logs.commands.js';
import { subscriptionsCommands } from '../../subscriptions/subscriptions.commands.js';
import { messagesCommands, systemCommands } from '../../system/system.commands.js';
import { tokensCommands } from '../../tokens/tokens.commands.js';
import { usersCommands } from '../../users/users.commands.js';

/**
 * Every module's command table under the name its Nest module registers it with. Building a
 * table touches no service (handlers use them only when called), so the client contract can be
 * generated from the very definitions the dispatcher runs. The AsyncAPI test checks that the
 * running server registers exactly these.
 */
const CATALOGUE: Record<string, (...services: never[]) => ModuleCommands> = {
  audit: auditCommands,
  auth: authCommands,
  cameras: camerasCommands,
  credentials: credentialsCommands,
  health: healthCommands,
  logs: logsCommands,
  messages: messagesCommands,
  subscriptions: subscriptionsCommands,
  system: systemCommands,
  tokens: tokensCommands,
  users: usersCommands,
};

export interface CatalogueEntry {
  module: string;
  command: string;
  definition: CommandDefinition;
}

/** Every command, built without services: for reading schemas, never for running handlers. */
export function catalogueEntries(): CatalogueEntry[] {
  return Object.entries(CATALOGUE).flatMap(([module, build]) =>
    Object.entries(build()).map(([command, definition]) => ({ module, command, definition })),
  );
}
