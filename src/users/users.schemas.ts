import { z } from 'zod';
import { cameraIdsSchema } from '../cameras/cameras.schemas.js';
import { listOptionsSchema } from '../common/list-options.js';
import { entityIdSchema } from '../common/schemas.js';

export const USER_SORT_FIELDS = ['id', 'username', 'role', 'created_at', 'updated_at'] as const;

export const userIdSchema = entityIdSchema('user');

const username = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'must be 1 to 64 letters, digits or . _ @ -, starting with a letter or digit');
const password = z.string().min(8, 'must be at least 8 characters').max(1024, 'must be at most 1024 characters');
const role = z.enum(['admin', 'user']);

export const createUserSchema = z.strictObject({
  username,
  password,
  role: role.default('user'),
  can_login: z.boolean().default(true),
  camera_ids: cameraIdsSchema.default([]),
});

export const updateUserSchema = z
  .strictObject({
    username: username.optional(),
    password: password.optional(),
    current_password: z
      .string()
      .min(1, 'is required')
      .max(1024, 'must be at most 1024 characters')
      .optional()
      .describe('your current password: required with `password` when changing your own'),
    role: role.optional(),
    can_login: z.boolean().optional(),
    camera_ids: cameraIdsSchema.optional(),
  })
  .refine((value) => Object.entries(value).some(([name, field]) => name !== 'current_password' && field !== undefined), {
    message: 'name at least one field to change',
  })
  .refine((value) => value.current_password === undefined || value.password !== undefined, {
    path: ['current_password'],
    message: 'only goes with password',
  });

export const listUsersSchema = listOptionsSchema(USER_SORT_FIELDS);

export const userViewSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  role,
  can_login: z.boolean(),
  camera_ids: z.array(z.number().int()).describe('cameras this user may watch'),
  created_at: z.string(),
  updated_at: z.string(),
});

export type CreateUserDto = z.infer<typeof createUserSchema>;
export type UpdateUserDto = z.infer<typeof updateUserSchema>;
export type UserView = z.infer<typeof userViewSchema>;
