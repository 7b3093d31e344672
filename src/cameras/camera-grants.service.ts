import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { validationFailed } from '../common/errors.js';
import { CameraGrantsRepository } from './camera-grants.repository.js';
import { CamerasRepository } from './cameras.repository.js';

/** Which cameras each user may watch. */
@Injectable()
export class CameraGrantsService {
  constructor(
    private readonly grants: CameraGrantsRepository,
    private readonly cameras: CamerasRepository,
  ) {}

  /** Makes `cameraIds` the user's whole set of grants, inside the caller's transaction. */
  async replace(manager: EntityManager, userId: number, cameraIds: number[]): Promise<void> {
    if (cameraIds.length > 0) {
      const known = new Set(await this.cameras.existingIds(manager, cameraIds));
      const missing = cameraIds.filter((id) => !known.has(id));
      if (missing.length > 0) {
        throw validationFailed(missing.map((id) => ({ path: 'payload.camera_ids', message: `camera ${id} does not exist` })));
      }
    }
    await this.grants.replace(manager, userId, cameraIds);
  }

  /** The user's grants inside the caller's transaction (what a change replaces). */
  cameraIdsIn(manager: EntityManager, userId: number): Promise<number[]> {
    return this.grants.cameraIdsIn(manager, userId);
  }

  async cameraIdsOf(userId: number): Promise<number[]> {
    return (await this.cameraIdsOfMany([userId])).get(userId) ?? [];
  }

  cameraIdsOfMany(userIds: number[]): Promise<Map<number, number[]>> {
    return this.grants.cameraIdsOfMany(userIds);
  }

  isGranted(userId: number, cameraId: number): Promise<boolean> {
    return this.grants.exists(userId, cameraId);
  }
}
