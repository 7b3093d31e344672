import { z } from 'zod';
import { listOptionsSchema } from '../common/list-options.js';
import { entityIdSchema } from '../common/schemas.js';
import { OAUTH2_TOKEN_PLACES } from './camera.entity.js';

export const CAMERA_SORT_FIELDS = ['id', 'name', 'mtx_path', 'created_at', 'updated_at'] as const;


export const cameraIdSchema = entityIdSchema('camera');

/**
 * Names MediaMTX gives a meaning of their own (`internal/conf/path.go` validate, FindPathConf):
 * `all` and `all_others` configure every path that no other entry names, so a camera of that
 * name would become the source of every such path. (A name starting with `~` is a regular
 * expression; the characters allowed below already exclude it.)
 */
export const RESERVED_MTX_PATHS: readonly string[] = ['all', 'all_others'];

/** MediaMTX's path name rules (`internal/conf/path.go` IsValidPathName), plus no empty segments and no reserved name. */
export const mtxPathSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^[0-9a-zA-Z_\-/.]+$/, 'may contain only letters, digits and _ - / .')
  .refine((path) => !path.startsWith('/') && !path.endsWith('/'), 'must not begin or end with /')
  .refine((path) => path.split('/').every((segment) => segment !== ''), 'must not contain an empty segment (//)')
  .refine((path) => path.split('/').every((segment) => segment !== '.' && segment !== '..'), 'must not contain a . or .. segment')
  .refine((path) => !RESERVED_MTX_PATHS.includes(path), 'must not be all or all_others: MediaMTX applies those to every other path');

const SOURCE_PROTOCOLS = ['rtsp:', 'rtsps:', 'http:', 'https:'];

/** Where the relay pulls the stream from; credentials come from `credential_id`, never from the URL. */
export const sourceUrlSchema = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .superRefine((value, context) => {
    // The URL parser drops tabs and newlines and trims spaces, but the value is stored as given.
    if (/[\s\p{Cc}]/u.test(value)) {
      context.addIssue({ code: 'custom', message: 'must not contain spaces or control characters (percent-encode them)' });
      return;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      context.addIssue({ code: 'custom', message: 'must be a URL such as rtsp://192.0.2.10:554/stream' });
      return;
    }
    if (!SOURCE_PROTOCOLS.includes(url.protocol)) context.addIssue({ code: 'custom', message: 'must start with rtsp://, rtsps://, http:// or https://' });
    else if (url.hostname === '') context.addIssue({ code: 'custom', message: 'must name a host' });
    else if (url.username !== '' || url.password !== '' || /^[a-z]+:\/\/[^/]*@/i.test(value)) {
      context.addIssue({ code: 'custom', message: 'must not contain a user name or password: set credential_id instead' });
    }
  });

const name = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');
const description = z.string().trim().max(2000, 'must be at most 2000 characters');
const rtspTransport = z.enum(['automatic', 'udp', 'tcp']);
const oauth2TokenIn = z.enum(OAUTH2_TOKEN_PLACES);
const credentialId = entityIdSchema('credential').nullable();

export const createCameraSchema = z.strictObject({
  name,
  description: description.default(''),
  mtx_path: mtxPathSchema,
  source_url: sourceUrlSchema,
  credential_id: credentialId.default(null),
  rtsp_transport: rtspTransport.default('automatic'),
  oauth2_token_in: oauth2TokenIn.default('query'),
  is_enabled: z.boolean().default(true),
});

export const updateCameraSchema = z
  .strictObject({
    name: name.optional(),
    description: description.optional(),
    mtx_path: mtxPathSchema.optional(),
    source_url: sourceUrlSchema.optional(),
    credential_id: credentialId.optional(),
    rtsp_transport: rtspTransport.optional(),
    oauth2_token_in: oauth2TokenIn.optional(),
    is_enabled: z.boolean().optional(),
  })
  .refine((value) => Object.values(value).some((field) => field !== undefined), { message: 'name at least one field to change' });

export const listCamerasSchema = listOptionsSchema(CAMERA_SORT_FIELDS, { withStatus: true });

export const cameraIdsSchema = z.array(cameraIdSchema).max(10_000).transform((ids) => [...new Set(ids)].sort((a, b) => a - b));

export const cameraViewSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string(),
  mtx_path: z.string(),
  source_url: z.string().optional().describe('admins only'),
  credential_id: z.number().int().nullable().optional().describe('admins only'),
  rtsp_transport: rtspTransport.optional().describe('admins only'),
  oauth2_token_in: oauth2TokenIn.optional().describe('admins only: where an oauth2 access token goes in the source'),
  is_enabled: z.boolean(),
  urls: z.object({ rtsp: z.string(), hls: z.string(), webrtc: z.string() }),
  status: z
    .object({
      available: z.boolean().nullable(),
      online: z.boolean().nullable(),
      readers: z.number().int().nullable(),
      inbound_bytes: z.number().nullable(),
      tracks: z.array(z.string()),
      sync: z.enum(['ok', 'pending', 'disabled']),
      sync_error: z.string().nullable(),
    })
    .nullable()
    .describe('live status from MediaMTX; on list only with withStatus=true'),
  created_at: z.string(),
  updated_at: z.string(),
});

export type CreateCameraDto = z.infer<typeof createCameraSchema>;
export type UpdateCameraDto = z.infer<typeof updateCameraSchema>;
export type CameraView = z.infer<typeof cameraViewSchema>;
