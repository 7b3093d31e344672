import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CamerasService, type SyncTarget } from '../cameras/cameras.service.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { secretsInSource, sourceWithCredential } from './camera-source.js';
import type { PathConfig } from './mediamtx-api.client.js';
import { scrubSecrets, type SourceInText } from './secret-scrub.js';

export interface DesiredPath {
  cameraId: number;
  /** The source as sent and as shown, and the secrets in it: what MediaMTX's messages are scrubbed of. */
  source: SourceInText;
  config: PathConfig;
  /** Keyed with the service password, so the stored hash gives nothing of the source away. */
  hash: string;
}

/** A camera whose source cannot be built now (say, its credential cannot be read), and why. */
export interface UnbuildablePath {
  cameraId: number;
  error: string;
}

/** What MediaMTX's paths should be, from the database: every enabled camera as the path configuration the relay writes. */
@Injectable()
export class DesiredPaths {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly cameras: CamerasService,
    private readonly credentials: CredentialsService,
  ) {}

  /** Every enabled camera's path by name, and the paths whose source cannot be built. */
  async build(): Promise<{ desired: Map<string, DesiredPath>; unbuildable: Map<string, UnbuildablePath> }> {
    const desired = new Map<string, DesiredPath>();
    const unbuildable = new Map<string, UnbuildablePath>();
    for (const camera of await this.cameras.syncTargets()) {
      if (!camera.isEnabled) continue;
      try {
        const { config, secrets } = await this.pathConfig(camera);
        const hash = createHmac('sha256', this.config.mediamtx.servicePassword).update(JSON.stringify(config)).digest('hex');
        desired.set(camera.mtxPath, { cameraId: camera.id, source: { sent: config.source, shown: camera.sourceUrl, secrets }, config, hash });
      } catch (error) {
        unbuildable.set(camera.mtxPath, { cameraId: camera.id, error: `cannot build the source: ${scrubSecrets((error as Error).message)}` });
      }
    }
    return { desired, unbuildable };
  }

  private async pathConfig(camera: SyncTarget): Promise<{ config: PathConfig; secrets: string[] }> {
    const secrets = camera.credentialId === null ? null : await this.credentials.sourceSecrets(camera.credentialId);
    return {
      config: { source: sourceWithCredential(camera.sourceUrl, secrets, camera.oauth2TokenIn), sourceOnDemand: true, rtspTransport: camera.rtspTransport },
      secrets: secretsInSource(secrets),
    };
  }
}
