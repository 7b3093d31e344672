import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import { validationFailed } from '../common/errors.js';
import { Camera, CameraGrant } from './camera.entity.js';

/** Which cameras each user may watch. */
@Injectable()
export class CameraGrantsService {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Makes `cameraIds` the user's whole set of grants, inside the caller's transaction. */
  async replace(manager: EntityManager, userId: number, cameraIds: number[]): Promise<void> {
    if (cameraIds.length > 0) {
      const found = await manager.find(Camera, { select: { id: true }, where: { id: In(cameraIds) } });
      const known = new Set(found.map((camera) => camera.id));
      const missing = cameraIds.filter((id) => !known.has(id));
      if (missing.length > 0) {
        throw validationFailed(missing.map((id) => ({ path: 'payload.camera_ids', message: `camera ${id} does not exist` })));
      }
    }
    await manager.delete(CameraGrant, { userId });
    if (cameraIds.length > 0) await manager.insert(CameraGrant, cameraIds.map((cameraId) => ({ userId, cameraId })));
  }

  async cameraIdsOf(userId: number): Promise<number[]> {
    return (await this.cameraIdsOfMany([userId])).get(userId) ?? [];
  }

  async cameraIdsOfMany(userIds: number[]): Promise<Map<number, number[]>> {
    const result = new Map<number, number[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return result;
    // Plain rows: read on every socket handshake, and a user may have thousands of grants.
    const grants = await this.dataSource.query<Array<{ user_id: number; camera_id: number }>>(
      'SELECT user_id, camera_id FROM camera_grants WHERE user_id = ANY($1::int[]) ORDER BY camera_id',
      [userIds],
    );
    for (const grant of grants) result.get(grant.user_id)?.push(grant.camera_id);
    return result;
  }

  async isGranted(userId: number, cameraId: number): Promise<boolean> {
    return this.dataSource.getRepository(CameraGrant).existsBy({ userId, cameraId });
  }
}
