import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { isAdmin, type AuthContext } from '../common/auth-context.js';
import { conflict, notFound, validationFailed } from '../common/errors.js';
import { likePattern, paginate, type ListOptions, type ListResult } from '../common/list-options.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { EventBus } from '../events/event-bus.js';
import { Camera } from './camera.entity.js';
import type { CAMERA_SORT_FIELDS, CameraView, CreateCameraDto, UpdateCameraDto } from './cameras.schemas.js';

const SORT_COLUMNS: Record<(typeof CAMERA_SORT_FIELDS)[number], string> = {
  id: 'camera.id',
  name: 'lower(camera.name)',
  mtx_path: 'camera.mtxPath',
  created_at: 'camera.createdAt',
  updated_at: 'camera.updatedAt',
};

const UNIQUE_VIOLATION = '23505';

/** What MediaMTX's callbacks need to know of the camera behind a path. */
export type PathCamera = Pick<Camera, 'id' | 'name' | 'mtxPath' | 'isEnabled'>;

/** What path sync needs of a camera. */
export type SyncTarget = Pick<Camera, 'id' | 'mtxPath' | 'sourceUrl' | 'credentialId' | 'rtspTransport' | 'oauth2TokenIn' | 'isEnabled'>;

/** An enabled camera pulled with a given credential. */
export type CredentialCamera = Pick<Camera, 'id' | 'name' | 'sourceUrl'>;

const FIND_CAMERA = 'SELECT camera.* FROM cameras camera WHERE camera.id = $1';
const FIND_GRANTED_CAMERA = 'SELECT camera.* FROM cameras camera JOIN camera_grants g ON g.camera_id = camera.id AND g.user_id = $2 WHERE camera.id = $1';

/** Live status of cameras by id, supplied by the MediaMTX integration. */
export type CameraStatusProvider = (cameras: Array<Pick<Camera, 'id' | 'mtxPath' | 'isEnabled'>>) => Promise<Map<number, NonNullable<CameraView['status']>>>;
const WIRE_TO_COLUMN = {
  name: 'name',
  description: 'description',
  mtx_path: 'mtxPath',
  source_url: 'sourceUrl',
  credential_id: 'credentialId',
  rtsp_transport: 'rtspTransport',
  oauth2_token_in: 'oauth2TokenIn',
  is_enabled: 'isEnabled',
} as const satisfies Record<keyof UpdateCameraDto, keyof Camera>;

@Injectable()
export class CamerasService {
  private readonly cameras: Repository<Camera>;
  private readonly byPath = new Map<string, Promise<PathCamera | null>>();
  private statusProvider: CameraStatusProvider | undefined;

  /** Database column → entity property, for rows read with plain SQL. */
  private readonly columns: Array<[string, string]>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly credentials: CredentialsService,
    private readonly bus: EventBus,
  ) {
    this.cameras = dataSource.getRepository(Camera);
    this.columns = this.cameras.metadata.columns.map((column) => [column.databaseName, column.propertyName]);
    credentials.registerUsage((credentialId) => this.namesUsingCredential(credentialId));
    // A camera changed through another instance.
    bus.subscribe('feed', (event) => {
      if (event.domain === 'camera' && (event.event === 'created' || event.event === 'updated' || event.event === 'deleted')) this.byPath.clear();
    });
  }

  async list(auth: AuthContext, options: ListOptions<(typeof CAMERA_SORT_FIELDS)[number]>): Promise<ListResult<CameraView>> {
    const query = this.visibleTo(auth);
    if (options.search) {
      query.andWhere('(camera.name ILIKE :pattern OR camera.mtxPath ILIKE :pattern OR camera.description ILIKE :pattern)', {
        pattern: likePattern(options.search),
      });
    }
    const { rows, total } = await paginate(query, options, SORT_COLUMNS, 'camera.id');
    const statuses = options.withStatus ? await this.statuses(rows) : new Map<number, CameraView['status']>();
    return { items: rows.map((row) => this.view(auth, row, statuses.get(row.id))), total, page: options.page, itemsPerPage: options.itemsPerPage };
  }

  async read(auth: AuthContext, id: number): Promise<CameraView> {
    const camera = await this.findVisible(auth, id);
    return this.view(auth, camera, (await this.statuses([camera])).get(camera.id));
  }

  async create(auth: AuthContext, dto: CreateCameraDto): Promise<CameraView> {
    await this.assertCredentialExists(dto.credential_id);
    const camera = await this.uniquePath(dto.mtx_path, () =>
      this.cameras.save(
        this.cameras.create({
          name: dto.name,
          description: dto.description,
          mtxPath: dto.mtx_path,
          sourceUrl: dto.source_url,
          credentialId: dto.credential_id,
          rtspTransport: dto.rtsp_transport,
          oauth2TokenIn: dto.oauth2_token_in,
          isEnabled: dto.is_enabled,
        }),
      ),
    );
    this.publish(camera, 'created', {});
    return this.view(auth, camera);
  }

  async update(auth: AuthContext, id: number, dto: UpdateCameraDto): Promise<CameraView> {
    const camera = await this.findVisible(auth, id);
    if (dto.credential_id !== undefined) await this.assertCredentialExists(dto.credential_id);
    const changes: Partial<Camera> = {};
    for (const [field, column] of Object.entries(WIRE_TO_COLUMN) as Array<[keyof UpdateCameraDto, keyof Camera]>) {
      if (dto[field] !== undefined) Object.assign(changes, { [column]: dto[field] });
    }
    await this.uniquePath(dto.mtx_path, () => this.cameras.update({ id }, changes));
    const updated = await this.cameras.findOneByOrFail({ id: camera.id });
    this.publish(updated, 'updated', { changed: Object.keys(dto) });
    return this.view(auth, updated);
  }

  async delete(auth: AuthContext, id: number): Promise<{ id: number; deleted: true }> {
    const camera = await this.findVisible(auth, id);
    await this.cameras.delete({ id });
    this.publish(camera, 'deleted', {});
    return { id, deleted: true };
  }

  registerStatusProvider(provider: CameraStatusProvider): void {
    this.statusProvider = provider;
  }

  async syncTargets(): Promise<SyncTarget[]> {
    return this.cameras.find({
      select: { id: true, mtxPath: true, sourceUrl: true, credentialId: true, rtspTransport: true, oauth2TokenIn: true, isEnabled: true },
      order: { id: 'ASC' },
    });
  }

  async enabledUsingCredential(credentialId: number): Promise<CredentialCamera[]> {
    return this.cameras.find({ select: { id: true, name: true, sourceUrl: true }, where: { credentialId, isEnabled: true }, order: { id: 'ASC' } });
  }

  /** The camera behind a MediaMTX path, if any. */
  /** Cached: every MediaMTX hook and auth callback asks; any camera write clears it. */
  findByPath(mtxPath: string): Promise<PathCamera | null> {
    let found = this.byPath.get(mtxPath);
    if (!found) {
      if (this.byPath.size >= 10_000) this.byPath.clear();
      found = this.cameras.findOne({ select: { id: true, name: true, mtxPath: true, isEnabled: true }, where: { mtxPath } });
      this.byPath.set(mtxPath, found);
      found.catch(() => this.byPath.delete(mtxPath));
    }
    return found;
  }

  async namesUsingCredential(credentialId: number): Promise<string[]> {
    const rows = await this.cameras.find({ select: { name: true, id: true }, where: { credentialId }, order: { id: 'ASC' } });
    return rows.map((row) => `${row.name} (camera ${row.id})`);
  }

  /** An admin sees every camera; a user only those granted to them, and nothing of the rest. */
  private visibleTo(auth: AuthContext) {
    const query = this.cameras.createQueryBuilder('camera');
    if (!isAdmin(auth)) {
      query.innerJoin('camera_grants', 'grant', 'grant.camera_id = camera.id AND grant.user_id = :userId', { userId: auth.userId });
    }
    return query;
  }

  /** Plain SQL: this is the hot read (dashboards, Home Assistant), and the query builder costs more than the query. */
  private async findVisible(auth: AuthContext, id: number): Promise<Camera> {
    const [row] = await (isAdmin(auth)
      ? this.dataSource.query<Array<Record<string, unknown>>>(FIND_CAMERA, [id])
      : this.dataSource.query<Array<Record<string, unknown>>>(FIND_GRANTED_CAMERA, [id, auth.userId]));
    if (!row) throw notFound('camera', id);
    const camera = new Camera();
    for (const [column, property] of this.columns) (camera as unknown as Record<string, unknown>)[property] = row[column];
    return camera;
  }

  private async assertCredentialExists(credentialId: number | null): Promise<void> {
    if (credentialId !== null && !(await this.credentials.exists(credentialId))) {
      throw validationFailed([{ path: 'payload.credential_id', message: `credential ${credentialId} does not exist` }]);
    }
  }

  private async statuses(cameras: Camera[]): Promise<Map<number, CameraView['status']>> {
    if (!this.statusProvider || cameras.length === 0) return new Map();
    return this.statusProvider(cameras);
  }

  private view(auth: AuthContext, camera: Camera, status: CameraView['status'] = null): CameraView {
    const { rtsp, hls, webrtc } = this.config.mediamtxPublicUrls;
    const base = (url: string) => url.replace(/\/+$/, '');
    const view: CameraView = {
      id: camera.id,
      name: camera.name,
      description: camera.description,
      mtx_path: camera.mtxPath,
      is_enabled: camera.isEnabled,
      urls: {
        rtsp: `${base(rtsp)}/${camera.mtxPath}`,
        hls: `${base(hls)}/${camera.mtxPath}/index.m3u8`,
        webrtc: `${base(webrtc)}/${camera.mtxPath}/whep`,
      },
      status,
      created_at: camera.createdAt.toISOString(),
      updated_at: camera.updatedAt.toISOString(),
    };
    // Sync errors speak of sources and MediaMTX: admins' business.
    if (!isAdmin(auth) && view.status) view.status = { ...view.status, sync_error: null };
    if (isAdmin(auth)) {
      view.source_url = camera.sourceUrl;
      view.credential_id = camera.credentialId;
      view.rtsp_transport = camera.rtspTransport;
      view.oauth2_token_in = camera.oauth2TokenIn;
    }
    return view;
  }

  private publish(camera: Camera, event: 'created' | 'updated' | 'deleted', extra: Record<string, unknown>): void {
    this.byPath.clear();
    this.bus.publish('domain', {
      domain: 'camera',
      entity: camera.id,
      event,
      details: { name: camera.name, mtx_path: camera.mtxPath, is_enabled: camera.isEnabled, ...extra },
    });
  }

  private async uniquePath<T>(path: string | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION) {
        throw conflict(`mtx_path ${path ?? ''} is already used by another camera`, [{ path: 'payload.mtx_path', message: 'is already used' }]);
      }
      throw error;
    }
  }
}
