import { z } from 'zod';
import { defineCommand, definePublicCommand, defineSocketCommand, type ModuleCommands } from '../commands/command-registry.js';
import { loginSchema, refreshSchema, renewSchema, tokensSchema } from './auth.schemas.js';
import type { AuthService } from './auth.service.js';

/** The `auth` module: log in (create), rotate a refresh token (refresh), renew a live socket's token (update), log out (delete). */
export function authCommands(auth: AuthService): ModuleCommands {
  return {
    create: definePublicCommand({
      access: 'public',
      summary: 'Log in with username and password',
      payload: loginSchema,
      result: tokensSchema,
      loginLimited: true,
      handle: ({ payload }) => auth.login(payload),
    }),
    refresh: definePublicCommand({
      access: 'public',
      summary: 'Trade a refresh token for new tokens (each refresh token works once)',
      payload: refreshSchema,
      result: tokensSchema,
      loginLimited: true,
      handle: ({ payload }) => auth.refresh(payload),
    }),
    update: defineSocketCommand({
      access: 'authenticated',
      summary: 'Socket.IO only: carry on under a fresh access token of the same user, without reconnecting',
      payload: renewSchema,
      result: z.object({ expiration: z.string() }),
      handle: async ({ auth: caller, payload, channel }) => {
        const next = await auth.verifyRenewal(caller, payload.token);
        await channel.renew(next);
        return { expiration: new Date(next.expiresAt * 1000).toISOString() };
      },
    }),
    delete: defineCommand({
      access: 'authenticated',
      summary: 'Log out the current session',
      result: z.object({ loggedOut: z.literal(true) }),
      handle: ({ auth: caller }) => auth.logout(caller),
    }),
  };
}
