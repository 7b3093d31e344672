import { z } from 'zod';
import { cameraIdSchema } from '../cameras/cameras.schemas.js';
import { listOptionsSchema } from '../common/list-options.js';
import { entityIdSchema } from '../common/schemas.js';

export const TOKEN_SORT_FIELDS = ['id', 'created_at', 'expires_at', 'label'] as const;
export const STREAM_TOKEN_PREFIX = 'mtxs_';
const MAX_LIFETIME_DAYS = 3650;

export const tokenIdSchema = entityIdSchema('token');

export const createTokenSchema = z.strictObject({
  camera_id: cameraIdSchema,
  label: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  expires_at: z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 time such as 2027-01-01T00:00:00Z' })
    .transform((value) => new Date(value))
    .refine((date) => date.getTime() > Date.now(), 'must be in the future')
    .refine((date) => date.getTime() < Date.now() + MAX_LIFETIME_DAYS * 86_400_000, `must be within ${MAX_LIFETIME_DAYS} days`)
    .optional(),
});

export const listTokensSchema = listOptionsSchema(TOKEN_SORT_FIELDS);

export const tokenViewSchema = z.object({
  id: z.number().int(),
  user_id: z.number().int(),
  camera_id: z.number().int(),
  label: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
  revoked_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
});

export const createdTokenSchema = tokenViewSchema.extend({
  token: z.string().describe('shown only once: use it as the RTSP password or as ?token='),
  urls: z.object({ rtsp: z.string(), hls: z.string() }),
});

export type CreateTokenDto = z.infer<typeof createTokenSchema>;
export type TokenView = z.infer<typeof tokenViewSchema>;
export type CreatedToken = z.infer<typeof createdTokenSchema>;
