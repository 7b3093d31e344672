import { z } from 'zod';
import { listOptionsSchema } from '../common/list-options.js';
import { entityIdSchema } from '../common/schemas.js';
import { DEFAULT_TOKEN_AUTH_METHOD, TOKEN_AUTH_METHODS } from './credential.entity.js';

export const CREDENTIAL_SORT_FIELDS = ['id', 'description', 'kind', 'created_at', 'updated_at'] as const;

export const credentialIdSchema = entityIdSchema('credential');

const description = z.string().trim().max(200);
const secret = z.string().min(1, 'must not be empty').max(4096);
const username = z.string().min(1, 'must not be empty').max(255);
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' });
const tokenAuthMethod = z.enum(TOKEN_AUTH_METHODS);
const tokenUrl = httpUrl.refine((value) => {
  try {
    const url = new URL(value);
    return url.username === '' && url.password === '';
  } catch {
    return true;
  }
}, 'must not contain a user name or password: the client authenticates with client_id and client_secret');

const basic = z.strictObject({ kind: z.literal('basic'), description: description.default(''), username, password: secret });
const token = z.strictObject({ kind: z.literal('token'), description: description.default(''), token: secret });
const oauth2 = z.strictObject({
  kind: z.literal('oauth2'),
  description: description.default(''),
  client_id: z.string().min(1).max(255),
  client_secret: secret,
  token_url: tokenUrl,
  refresh_token: secret,
  scope: z.string().max(1000).optional(),
  token_auth_method: tokenAuthMethod.default(DEFAULT_TOKEN_AUTH_METHOD),
});

export const createCredentialSchema = z.discriminatedUnion('kind', [basic, token, oauth2], {
  error: (issue) => (issue.code === 'invalid_union' ? 'kind must be one of: basic, token, oauth2' : undefined),
});

/** Every field a credential can have, all optional: which apply is checked against the stored kind. */
export const updateCredentialSchema = z
  .strictObject({
    kind: z.enum(['basic', 'token', 'oauth2']).optional(),
    description: description.optional(),
    username: username.optional(),
    password: secret.optional(),
    token: secret.optional(),
    client_id: z.string().min(1).max(255).optional(),
    client_secret: secret.optional(),
    token_url: tokenUrl.optional(),
    refresh_token: secret.optional(),
    scope: z.string().max(1000).nullable().optional(),
    token_auth_method: tokenAuthMethod.optional(),
  })
  .refine((value) => Object.values(value).some((field) => field !== undefined), { message: 'name at least one field to change' });

export const listCredentialsSchema = listOptionsSchema(CREDENTIAL_SORT_FIELDS);

export const credentialViewSchema = z.object({
  id: z.number().int(),
  description: z.string(),
  kind: z.enum(['basic', 'token', 'oauth2']),
  username: z.string().optional(),
  password_set: z.boolean().optional(),
  token_set: z.boolean().optional(),
  client_id: z.string().optional(),
  token_url: z.string().optional(),
  scope: z.string().nullable().optional(),
  client_secret_set: z.boolean().optional(),
  refresh_token_set: z.boolean().optional(),
  access_token_set: z.boolean().optional(),
  access_token_expires_at: z.string().nullable().optional(),
  token_auth_method: tokenAuthMethod.optional(),
  auth_state: z.enum(['pending', 'authenticated', 'unauthenticated']).optional().describe('oauth2: where the token refresh stands'),
  auth_error: z.string().nullable().optional().describe('oauth2: why the last refresh failed'),
  next_refresh_at: z.string().nullable().optional().describe('oauth2: when the token is refreshed next'),
  last_refresh_at: z.string().nullable().optional().describe('oauth2: when the token was last refreshed'),
  created_at: z.string(),
  updated_at: z.string(),
});

export type CreateCredentialDto = z.infer<typeof createCredentialSchema>;
export type UpdateCredentialDto = z.infer<typeof updateCredentialSchema>;
export type CredentialView = z.infer<typeof credentialViewSchema>;
