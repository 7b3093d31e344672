import { Inject, Injectable } from '@nestjs/common';
import { fieldChanges } from '../audit/field-changes.js';
import { UnitOfWork } from '../audit/unit-of-work.js';
import { isAdmin, type AuthContext } from '../common/auth-context.js';
import { conflict, notFound, validationFailed } from '../common/errors.js';
import type { ListOptions, ListResult } from '../common/list-options.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { isUniqueViolation } from '../common/database-errors.js';
import { EventBus } from '../events/event-bus.js';
import type { Camera } from './camera.entity.js';
import { CamerasRepository, type CameraFields, type CredentialCamera, type PathCamera, type SyncTarget } from './cameras.repository.js';
import type { CAMERA_SORT_FIELDS, CameraView, CreateCameraDto, UpdateCameraDto } from './cameras.schemas.js';

export type { CredentialCamera, PathCamera, SyncTarget } from './cameras.repository.js';

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
} as const satisfies Record<keyof UpdateCameraDto, keyof CameraFields>;

/** A camera's fields as the audit log keeps them, by wire name (a source URL holds no user info: the schema refuses it). */
function auditedFields(camera: Camera): Record<keyof UpdateCameraDto, unknown> {
  return {
    name: camera.name,
    description: camera.description,
    mtx_path: camera.mtxPath,
    source_url: camera.sourceUrl,
    credential_id: camera.credentialId,
    rtsp_transport: camera.rtspTransport,
    oauth2_token_in: camera.oauth2TokenIn,
    is_enabled: camera.isEnabled,
  };
}

@Injectable()
export class CamerasService {
  private readonly byPath = new Map<string, Promise<PathCamera | null>>();
  private statusProvider: CameraStatusProvider | undefined;

  constructor(
    private readonly cameras: CamerasRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly credentials: CredentialsService,
    private readonly bus: EventBus,
    private readonly unit: UnitOfWork,
  ) {
    credentials.registerUsage((credentialId) => this.namesUsingCredential(credentialId));
    // A camera changed through another instance.
    bus.subscribe('feed', (event) => {
      if (event.domain === 'camera' && (event.event === 'created' || event.event === 'updated' || event.event === 'deleted')) this.byPath.clear();
    });
  }

  async list(auth: AuthContext, options: ListOptions<(typeof CAMERA_SORT_FIELDS)[number]>): Promise<ListResult<CameraView>> {
    const { rows, total } = await this.cameras.list(options, this.grantedTo(auth));
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
      this.unit.run(async ({ manager, record }) => {
        const created = await this.cameras.create(manager, {
          name: dto.name,
          description: dto.description,
          mtxPath: dto.mtx_path,
          sourceUrl: dto.source_url,
          credentialId: dto.credential_id,
          rtspTransport: dto.rtsp_transport,
          oauth2TokenIn: dto.oauth2_token_in,
          isEnabled: dto.is_enabled,
        });
        record({ entity: created.id, changes: fieldChanges(null, auditedFields(created)) });
        return created;
      }),
    );
    this.publish(camera, 'created', {});
    return this.view(auth, camera);
  }

  async update(auth: AuthContext, id: number, dto: UpdateCameraDto): Promise<CameraView> {
    const camera = await this.findVisible(auth, id);
    if (dto.credential_id !== undefined) await this.assertCredentialExists(dto.credential_id);
    const changes: Partial<CameraFields> = {};
    for (const [field, column] of Object.entries(WIRE_TO_COLUMN) as Array<[keyof UpdateCameraDto, keyof CameraFields]>) {
      if (dto[field] !== undefined) Object.assign(changes, { [column]: dto[field] });
    }
    const updated = await this.uniquePath(dto.mtx_path, () =>
      this.unit.run(async ({ manager, record }) => {
        await this.cameras.update(manager, id, changes);
        const after = await this.cameras.getInTransaction(manager, id);
        const asked = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).filter(([field]) => field in dto));
        record({ entity: id, changes: fieldChanges(asked(auditedFields(camera)), asked(auditedFields(after))) });
        return after;
      }),
    );
    this.publish(updated, 'updated', { changed: Object.keys(dto) });
    return this.view(auth, updated);
  }

  async delete(auth: AuthContext, id: number): Promise<{ id: number; deleted: true }> {
    const camera = await this.findVisible(auth, id);
    await this.unit.run(async ({ manager, record }) => {
      await this.cameras.delete(manager, id);
      record({ entity: id, changes: fieldChanges(auditedFields(camera), null) });
    });
    this.publish(camera, 'deleted', {});
    return { id, deleted: true };
  }

  registerStatusProvider(provider: CameraStatusProvider): void {
    this.statusProvider = provider;
  }

  async syncTargets(): Promise<SyncTarget[]> {
    return this.cameras.syncTargets();
  }

  async enabledUsingCredential(credentialId: number): Promise<CredentialCamera[]> {
    return this.cameras.enabledUsingCredential(credentialId);
  }

  /**
   * The camera behind a MediaMTX path, if any. Cached: every MediaMTX hook and auth callback
   * asks; any camera write clears it.
   */
  findByPath(mtxPath: string): Promise<PathCamera | null> {
    let found = this.byPath.get(mtxPath);
    if (!found) {
      if (this.byPath.size >= 10_000) this.byPath.clear();
      found = this.cameras.findByPath(mtxPath);
      this.byPath.set(mtxPath, found);
      found.catch(() => this.byPath.delete(mtxPath));
    }
    return found;
  }

  async namesUsingCredential(credentialId: number): Promise<string[]> {
    const rows = await this.cameras.usingCredential(credentialId);
    return rows.map((row) => `${row.name} (camera ${row.id})`);
  }

  /** An admin sees every camera; a user only those granted to them, and nothing of the rest. */
  private grantedTo(auth: AuthContext): number | undefined {
    return isAdmin(auth) ? undefined : auth.userId;
  }

  private async findVisible(auth: AuthContext, id: number): Promise<Camera> {
    const camera = await this.cameras.find(id, this.grantedTo(auth));
    if (!camera) throw notFound('camera', id);
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
      if (isUniqueViolation(error)) {
        throw conflict(`mtx_path ${path ?? ''} is already used by another camera`, [{ path: 'payload.mtx_path', message: 'is already used' }]);
      }
      throw error;
    }
  }
}
