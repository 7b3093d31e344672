import { z } from 'zod';
import { userViewSchema } from '../users/users.schemas.js';

export const loginSchema = z.strictObject({
  username: z.string().min(1, 'is required').max(64),
  password: z.string().min(1, 'is required').max(1024),
});

export const refreshSchema = z.strictObject({
  refresh: z.string().min(1, 'is required').max(512),
});

export const renewSchema = z.strictObject({
  token: z.string().min(1, 'is required').max(4096),
});

export const tokensSchema = z.object({
  bearer: z.string(),
  expiration: z.string().describe('ISO time at which the bearer token expires'),
  refresh: z.string(),
  user: userViewSchema,
});

export type LoginDto = z.infer<typeof loginSchema>;
export type RefreshDto = z.infer<typeof refreshSchema>;
export type Tokens = z.infer<typeof tokensSchema>;
