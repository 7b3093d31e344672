import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import { CameraGrant } from './camera.entity.js';

/** The camera_grants table. */
@Injectable()
export class CameraGrantsRepository {
  private readonly grants: Repository<CameraGrant>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.grants = dataSource.getRepository(CameraGrant);
  }

  /** Makes `cameraIds` the user's whole set of grants, inside the caller's transaction. */
  async replace(manager: EntityManager, userId: number, cameraIds: number[]): Promise<void> {
    await manager.delete(CameraGrant, { userId });
    if (cameraIds.length > 0) await manager.insert(CameraGrant, cameraIds.map((cameraId) => ({ userId, cameraId })));
  }

  /** The user's granted camera ids, in id order, as the caller's transaction sees them. */
  async cameraIdsIn(manager: EntityManager, userId: number): Promise<number[]> {
    const grants = await manager.find(CameraGrant, { select: { cameraId: true }, where: { userId }, order: { cameraId: 'ASC' } });
    return grants.map((grant) => grant.cameraId);
  }

  /** Each user's granted camera ids, in id order; a user without grants maps to []. */
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

  exists(userId: number, cameraId: number): Promise<boolean> {
    return this.grants.existsBy({ userId, cameraId });
  }
}
