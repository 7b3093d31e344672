import { Injectable } from '@nestjs/common';
import { CamerasService, type CredentialCamera } from '../cameras/cameras.service.js';
import { EventBus } from '../events/event-bus.js';
import { PathSyncService } from '../mediamtx/path-sync.service.js';

/**
 * Tells the cameras pulled with an oauth2 credential what became of its refresh:
 * `camera:extended` once MediaMTX has the path with the new token, `camera:failed-extension`
 * when the refresh failed or MediaMTX did not take the path.
 */
@Injectable()
export class CameraExtensions {
  constructor(
    private readonly cameras: CamerasService,
    private readonly pathSync: PathSyncService,
    private readonly bus: EventBus,
  ) {}

  async extended(credentialId: number, expiresAt: Date): Promise<void> {
    const cameras = await this.cameras.enabledUsingCredential(credentialId);
    if (cameras.length === 0) return;
    await this.pathSync.reconcile();
    const states = await this.pathSync.states(cameras.map((camera) => camera.id));
    for (const camera of cameras) {
      const state = states.get(camera.id);
      if (state?.state === 'ok') this.publish(camera, 'extended', { expiresAt: expiresAt.toISOString() });
      else this.publish(camera, 'failed-extension', { error: `the new token is not applied yet: ${this.withoutSource(camera, state?.error ?? 'MediaMTX does not have the path')}` });
    }
  }

  async failed(credentialId: number, error: string): Promise<void> {
    for (const camera of await this.cameras.enabledUsingCredential(credentialId)) this.publish(camera, 'failed-extension', { error });
  }

  /** Camera events reach users granted the camera, who may not see its source. */
  private withoutSource(camera: CredentialCamera, error: string): string {
    return error.split(camera.sourceUrl).join('<source>');
  }

  private publish(camera: CredentialCamera, event: 'extended' | 'failed-extension', details: Record<string, unknown>): void {
    this.bus.publish('domain', { domain: 'camera', entity: camera.id, event, details: { name: camera.name, ...details } });
  }
}
