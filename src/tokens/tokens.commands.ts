import { z } from 'zod';
import { defineCommand, type ModuleCommands } from '../commands/command-registry.js';
import { listResultSchema } from '../common/schemas.js';
import type { StreamTokensService } from './stream-tokens.service.js';
import { createTokenSchema, createdTokenSchema, listTokensSchema, tokenIdSchema, tokenViewSchema } from './tokens.schemas.js';

/** The `tokens` module: read-only stream tokens; users manage their own, admins see all. */
export function tokensCommands(tokens: StreamTokensService): ModuleCommands {
  return {
    list: defineCommand({
      access: 'authenticated',
      summary: 'List stream tokens (your own; admins see all)',
      payload: listTokensSchema,
      result: listResultSchema(tokenViewSchema),
      handle: ({ auth, payload }) => tokens.list(auth, payload),
    }),
    read: defineCommand({
      access: 'authenticated',
      summary: 'Read a stream token (never the token itself)',
      entity: tokenIdSchema,
      result: tokenViewSchema,
      handle: ({ auth, entity }) => tokens.read(auth, entity),
    }),
    create: defineCommand({
      access: 'authenticated',
      summary: 'Mint a read-only token for one camera you may watch; the answer shows the token once',
      payload: createTokenSchema,
      result: createdTokenSchema,
      successStatus: 201,
      handle: ({ auth, payload }) => tokens.create(auth, payload),
    }),
    delete: defineCommand({
      access: 'authenticated',
      summary: 'Revoke a stream token and end the MediaMTX sessions it opened',
      entity: tokenIdSchema,
      result: z.object({ id: z.number().int(), deleted: z.literal(true), kicked: z.number().int() }),
      handle: ({ auth, entity }) => tokens.revoke(auth, entity),
    }),
  };
}
