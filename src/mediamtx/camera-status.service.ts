import { Inject, Injectable } from '@nestjs/common';
import type { Camera } from '../cameras/camera.entity.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { MediaMtxApi, type PathRuntime } from './mediamtx-api.client.js';
import { PathSyncService } from './path-sync.service.js';

export interface CameraStatus {
  available: boolean | null;
  online: boolean | null;
  readers: number | null;
  inbound_bytes: number | null;
  tracks: string[];
  sync: 'ok' | 'pending' | 'disabled';
  sync_error: string | null;
}

/** Live status of cameras from MediaMTX's runtime API, cached briefly so a busy dashboard costs MediaMTX little. */
@Injectable()
export class CameraStatusService {
  private readonly cache = new Map<string, { at: number; runtime: Promise<PathRuntime | null | 'unreachable'> }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly api: MediaMtxApi,
    private readonly sync: PathSyncService,
  ) {}

  async statuses(cameras: Array<Pick<Camera, 'id' | 'mtxPath' | 'isEnabled'>>): Promise<Map<number, CameraStatus>> {
    const states = await this.sync.states(cameras.map((camera) => camera.id));
    const entries = await Promise.all(
      cameras.map(async (camera): Promise<[number, CameraStatus]> => {
        const state = states.get(camera.id);
        if (!camera.isEnabled) {
          return [camera.id, { available: null, online: null, readers: null, inbound_bytes: null, tracks: [], sync: 'disabled', sync_error: null }];
        }
        const runtime = await this.runtime(camera.mtxPath);
        const known = runtime !== 'unreachable';
        return [
          camera.id,
          {
            available: known ? (runtime?.available ?? false) : null,
            online: known ? (runtime?.online ?? false) : null,
            readers: known ? (runtime?.readers.length ?? 0) : null,
            inbound_bytes: known ? (runtime?.inboundBytes ?? 0) : null,
            tracks: known && runtime ? (runtime.tracks2?.map((track) => track.codec) ?? runtime.tracks ?? []) : [],
            sync: state?.state ?? 'pending',
            sync_error: state?.error ?? null,
          },
        ];
      }),
    );
    return new Map(entries);
  }

  private runtime(path: string): Promise<PathRuntime | null | 'unreachable'> {
    const now = Date.now();
    const cached = this.cache.get(path);
    if (cached && now - cached.at < this.config.mediamtx.statusCacheMs) return cached.runtime;
    const runtime = this.api.pathRuntime(path).catch(() => 'unreachable' as const);
    this.cache.set(path, { at: now, runtime });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    return runtime;
  }
}
