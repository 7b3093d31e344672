import { z } from 'zod';
import { defineCommand, definePublicCommand, type ModuleCommands } from '../api/command-registry.js';
import { loginSchema, refreshSchema, tokensSchema } from './auth.schemas.js';
import type { AuthService } from './auth.service.js';

/** The `auth` module: log in (create), rotate a refresh token (refresh), log out (delete). */
export function authCommands(auth: AuthService): ModuleCommands {
  return {
    create: definePublicCommand({
      access: 'public',
      summary: 'Log in with username and password',
      payload: loginSchema,
      result: tokensSchema,
      handle: ({ payload }) => auth.login(payload),
    }),
    refresh: definePublicCommand({
      access: 'public',
      summary: 'Trade a refresh token for new tokens (each refresh token works once)',
      payload: refreshSchema,
      result: tokensSchema,
      handle: ({ payload }) => auth.refresh(payload),
    }),
    delete: defineCommand({
      access: 'authenticated',
      summary: 'Log out the current session',
      result: z.object({ loggedOut: z.literal(true) }),
      handle: ({ auth: caller }) => auth.logout(caller),
    }),
  };
}
