import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager, type Repository } from 'typeorm';
import type { ListOptions } from '../common/list-options.js';
import { likePattern, paginate } from '../common/pagination.js';
import { Camera } from './camera.entity.js';
import type { CAMERA_SORT_FIELDS } from './cameras.schemas.js';

const SORT_COLUMNS: Record<(typeof CAMERA_SORT_FIELDS)[number], string> = {
  id: 'camera.id',
  name: 'lower(camera.name)',
  mtx_path: 'camera.mtxPath',
  created_at: 'camera.createdAt',
  updated_at: 'camera.updatedAt',
};

const FIND_CAMERA = 'SELECT camera.* FROM cameras camera WHERE camera.id = $1';
const FIND_GRANTED_CAMERA = 'SELECT camera.* FROM cameras camera JOIN camera_grants g ON g.camera_id = camera.id AND g.user_id = $2 WHERE camera.id = $1';

/** What MediaMTX's callbacks need to know of the camera behind a path. */
export type PathCamera = Pick<Camera, 'id' | 'name' | 'mtxPath' | 'isEnabled'>;

/** What path sync needs of a camera. */
export type SyncTarget = Pick<Camera, 'id' | 'mtxPath' | 'sourceUrl' | 'credentialId' | 'rtspTransport' | 'oauth2TokenIn' | 'isEnabled'>;

/** An enabled camera pulled with a given credential. */
export type CredentialCamera = Pick<Camera, 'id' | 'name' | 'sourceUrl'>;

export type CameraFields = Pick<Camera, 'name' | 'description' | 'mtxPath' | 'sourceUrl' | 'credentialId' | 'rtspTransport' | 'oauth2TokenIn' | 'isEnabled'>;

/**
 * The cameras table. Where `grantedTo` is given, only the cameras granted to that user exist;
 * the others are not found.
 */
@Injectable()
export class CamerasRepository {
  private readonly cameras: Repository<Camera>;

  /** Database column → entity property, for rows read with plain SQL. */
  private readonly columns: Array<[string, string]>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.cameras = dataSource.getRepository(Camera);
    this.columns = this.cameras.metadata.columns.map((column) => [column.databaseName, column.propertyName]);
  }

  list(options: ListOptions<(typeof CAMERA_SORT_FIELDS)[number]>, grantedTo: number | undefined): Promise<{ rows: Camera[]; total: number }> {
    const query = this.cameras.createQueryBuilder('camera');
    if (grantedTo !== undefined) {
      query.innerJoin('camera_grants', 'grant', 'grant.camera_id = camera.id AND grant.user_id = :userId', { userId: grantedTo });
    }
    if (options.search) {
      query.andWhere('(camera.name ILIKE :pattern OR camera.mtxPath ILIKE :pattern OR camera.description ILIKE :pattern)', {
        pattern: likePattern(options.search),
      });
    }
    return paginate(query, options, SORT_COLUMNS, 'camera.id');
  }

  /** Plain SQL: this is the hot read (dashboards, Home Assistant), and the query builder costs more than the query. */
  async find(id: number, grantedTo: number | undefined): Promise<Camera | null> {
    const [row] = await (grantedTo === undefined
      ? this.dataSource.query<Array<Record<string, unknown>>>(FIND_CAMERA, [id])
      : this.dataSource.query<Array<Record<string, unknown>>>(FIND_GRANTED_CAMERA, [id, grantedTo]));
    if (!row) return null;
    const camera = new Camera();
    for (const [column, property] of this.columns) (camera as unknown as Record<string, unknown>)[property] = row[column];
    return camera;
  }

  create(manager: EntityManager, fields: CameraFields): Promise<Camera> {
    return manager.save(manager.create(Camera, fields));
  }

  async update(manager: EntityManager, id: number, changes: Partial<CameraFields>): Promise<void> {
    await manager.update(Camera, { id }, changes);
  }

  getInTransaction(manager: EntityManager, id: number): Promise<Camera> {
    return manager.findOneByOrFail(Camera, { id });
  }

  async delete(manager: EntityManager, id: number): Promise<void> {
    await manager.delete(Camera, { id });
  }

  syncTargets(): Promise<SyncTarget[]> {
    return this.cameras.find({
      select: { id: true, mtxPath: true, sourceUrl: true, credentialId: true, rtspTransport: true, oauth2TokenIn: true, isEnabled: true },
      order: { id: 'ASC' },
    });
  }

  enabledUsingCredential(credentialId: number): Promise<CredentialCamera[]> {
    return this.cameras.find({ select: { id: true, name: true, sourceUrl: true }, where: { credentialId, isEnabled: true }, order: { id: 'ASC' } });
  }

  usingCredential(credentialId: number): Promise<Array<Pick<Camera, 'id' | 'name'>>> {
    return this.cameras.find({ select: { name: true, id: true }, where: { credentialId }, order: { id: 'ASC' } });
  }

  findByPath(mtxPath: string): Promise<PathCamera | null> {
    return this.cameras.findOne({ select: { id: true, name: true, mtxPath: true, isEnabled: true }, where: { mtxPath } });
  }

  /** Those of `ids` that are cameras, inside the caller's transaction. */
  async existingIds(manager: EntityManager, ids: number[]): Promise<number[]> {
    const found = await manager.find(Camera, { select: { id: true }, where: { id: In(ids) } });
    return found.map((camera) => camera.id);
  }
}
