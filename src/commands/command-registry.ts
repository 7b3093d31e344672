import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import type { AuthContext } from '../common/auth-context.js';

/** Who may call a command. Every command declares one: there is no default. */
export type Access = 'public' | 'authenticated' | 'admin';

/** What a subscription change did: the topics now, events replayed and camera states sent. */
export interface SubscriptionOutcome {
  topics: string[];
  replayed: number;
  retained: number;
  /** The last seq delivered when the answer was sent: the resume point from here on. */
  seq: number;
}

/** The caller's live connection, for commands that change what it receives (Socket.IO only). */
export interface LiveChannel {
  join(room: string): void;
  leave(room: string): void;
  rooms(): string[];
  /** Carries on under a fresh access token of the same user, keeping rooms and subscriptions. */
  renew(auth: AuthContext): Promise<void>;
  topics(): string[];
  subscribe(topics: string[], since: number | undefined): Promise<SubscriptionOutcome>;
  unsubscribe(topics: string[]): Promise<string[]>;
}

/** What a command receives once the envelope has been validated and the caller authorised. */
export interface CommandInput<Payload, Entity, Auth, Channel = LiveChannel | null> {
  auth: Auth;
  entity: Entity;
  payload: Payload;
  /** Null on REST; always there for a socket-only command. */
  channel: Channel;
}

interface CommandShape<Payload, Entity, Result, Auth, Channel = LiveChannel | null> {
  access: Access;
  summary: string;
  /** Present when the command addresses one entity (read, update, delete). */
  entity?: z.ZodType<Entity>;
  /** Validates `payload`; list options for `list`. Absent means the command takes none. */
  payload?: z.ZodType<Payload>;
  /** Schema of the answer, for the OpenAPI document. */
  result?: z.ZodType;
  /** Status of a successful REST answer (default 200). */
  successStatus?: number;
  /** Counts against the stricter per-address login budget (password and refresh-token checks). */
  loginLimited?: boolean;
  /** Acts on the caller's live connection: REST gets a clear refusal, and no REST route is documented. */
  socketOnly?: boolean;
  handle(input: CommandInput<Payload, Entity, Auth, Channel>): Promise<Result>;
}

export type CommandDefinition = CommandShape<unknown, unknown, unknown, AuthContext | null>;

/** A command for signed-in callers: `auth` is always there. */
export function defineCommand<Payload = undefined, Entity = undefined, Result = unknown>(
  definition: CommandShape<Payload, Entity, Result, AuthContext> & { access: 'authenticated' | 'admin' },
): CommandDefinition {
  return definition;
}

/** A command on the caller's own socket (its subscriptions, log stream, token): `channel` is always there. */
export function defineSocketCommand<Payload = undefined, Entity = undefined, Result = unknown>(
  definition: CommandShape<Payload, Entity, Result, AuthContext, LiveChannel> & { access: 'authenticated' | 'admin' },
): CommandDefinition {
  return { ...definition, socketOnly: true };
}

/** A command anyone may call, signed in or not. */
export function definePublicCommand<Payload = undefined, Entity = undefined, Result = unknown>(
  definition: CommandShape<Payload, Entity, Result, AuthContext | null> & { access: 'public' },
): CommandDefinition {
  return definition;
}

export type ModuleCommands = Record<string, CommandDefinition>;

/** The one table of every module and command, read by the dispatcher, both transports and the OpenAPI builder. */
@Injectable()
export class CommandRegistry {
  private readonly modules = new Map<string, Map<string, CommandDefinition>>();

  register(module: string, commands: ModuleCommands): void {
    const table = this.modules.get(module) ?? new Map<string, CommandDefinition>();
    for (const [name, definition] of Object.entries(commands)) {
      if (table.has(name)) throw new Error(`command ${module}.${name} is registered twice`);
      table.set(name, definition);
    }
    this.modules.set(module, table);
  }

  hasModule(module: string): boolean {
    return this.modules.has(module);
  }

  find(module: string, command: string): CommandDefinition | undefined {
    return this.modules.get(module)?.get(command);
  }

  entries(): Array<{ module: string; command: string; definition: CommandDefinition }> {
    return [...this.modules].flatMap(([module, table]) =>
      [...table].map(([command, definition]) => ({ module, command, definition })),
    );
  }
}
