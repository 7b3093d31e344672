import { defineCommand, type ModuleCommands } from '../commands/command-registry.js';
import { deletedSchema, listResultSchema } from '../common/schemas.js';
import { cameraIdSchema, cameraViewSchema, createCameraSchema, listCamerasSchema, updateCameraSchema } from './cameras.schemas.js';
import type { CamerasService } from './cameras.service.js';

/** The `cameras` module: admins manage; users list and read the cameras granted to them. */
export function camerasCommands(cameras: CamerasService): ModuleCommands {
  return {
    list: defineCommand({
      access: 'authenticated',
      summary: 'List cameras (a user sees only cameras granted to them)',
      payload: listCamerasSchema,
      result: listResultSchema(cameraViewSchema),
      handle: ({ auth, payload }) => cameras.list(auth, payload),
    }),
    read: defineCommand({
      access: 'authenticated',
      summary: 'Read a camera (a camera not granted to a user does not exist for them)',
      entity: cameraIdSchema,
      result: cameraViewSchema,
      handle: ({ auth, entity }) => cameras.read(auth, entity),
    }),
    create: defineCommand({
      access: 'admin',
      summary: 'Create a camera',
      payload: createCameraSchema,
      result: cameraViewSchema,
      successStatus: 201,
      handle: ({ auth, payload }) => cameras.create(auth, payload),
    }),
    update: defineCommand({
      access: 'admin',
      summary: 'Change a camera',
      entity: cameraIdSchema,
      payload: updateCameraSchema,
      result: cameraViewSchema,
      handle: ({ auth, entity, payload }) => cameras.update(auth, entity, payload),
    }),
    delete: defineCommand({
      access: 'admin',
      summary: 'Delete a camera',
      entity: cameraIdSchema,
      result: deletedSchema,
      handle: ({ auth, entity }) => cameras.delete(auth, entity),
    }),
  };
}
