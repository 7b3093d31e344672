import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AuthStateCache } from '../auth/auth-state.cache.js';
import { CameraGrantsService } from '../cameras/camera-grants.service.js';
import { CamerasService } from '../cameras/cameras.service.js';
import { secretsEqual } from '../common/secrets-equal.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LOGGER } from '../logging/logger.js';
import { RelayMetrics } from '../metrics/relay-metrics.js';
import { queryToken } from './hook-details.js';
import { HooksService } from './hooks.service.js';
import { ReaderAuthCache } from './reader-auth-cache.js';
import { ReaderIdentities } from './reader-identities.js';
import { StreamState } from './stream-state.js';
import { ViewerSessions } from './viewer-sessions.js';

/** MediaMTX's authHTTPAddress callback body. */
export const authRequestSchema = z.object({
  ip: z.string().optional().default(''),
  user: z.string().optional().default(''),
  password: z.string().optional().default(''),
  token: z.string().optional().default(''),
  action: z.string(),
  path: z.string().optional().default(''),
  protocol: z.string().optional().default(''),
  id: z.string().nullable().optional(),
  query: z.string().optional().default(''),
});

export type AuthRequest = z.infer<typeof authRequestSchema>;

/** 2xx allows; 401 asks the client for credentials; 403 refuses. */
export type AuthDecision = { status: 200 } | { status: 401 | 403; reason: string };

/** A decision, and for an allowed read who it lets in. */
interface Verdict {
  decision: AuthDecision;
  reader?: { userId: number; cameraId: number; tokenId: number | null };
}

const READ_ACTIONS = new Set(['read', 'playback']);
const SERVICE_ACTIONS = new Set(['publish', 'api', 'metrics', 'pprof']);
const deny = (status: 401 | 403, reason: string): Verdict => ({ decision: { status, reason } });
const DECISIONS = { 200: 'allowed', 401: 'unauthorized', 403: 'forbidden' } as const;

/**
 * Decides MediaMTX's auth callbacks: who may watch which camera, and that only the relay
 * publishes or uses the API. MediaMTX waits for the answer inside its single path-manager
 * loop, so the answer comes from memory whenever it can (ReaderAuthCache, the cached user
 * state and camera by path), and never later than MEDIAMTX_AUTH_BUDGET_MS: past it, refused.
 */
@Injectable()
export class MediaMtxAuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly identities: ReaderIdentities,
    private readonly cache: ReaderAuthCache,
    private readonly authState: AuthStateCache,
    private readonly cameras: CamerasService,
    private readonly grants: CameraGrantsService,
    private readonly hooks: HooksService,
    private readonly state: StreamState,
    private readonly sessions: ViewerSessions,
    private readonly metrics: RelayMetrics,
  ) {}

  async decide(request: AuthRequest): Promise<AuthDecision> {
    const started = performance.now();
    const verdict = await this.withinBudget(this.judge(request));
    let decision: AuthDecision;
    if (verdict === 'late' || verdict instanceof Error) {
      const reason = verdict === 'late' ? `not decided within ${this.config.mediamtx.authBudgetMs} ms` : 'could not be checked now';
      decision = { status: 403, reason };
      this.logger.warn({ action: request.action, path: request.path, ip: request.ip, error: verdict instanceof Error ? verdict.message : undefined }, `refused a MediaMTX auth request: ${reason}`);
    } else {
      decision = verdict.decision;
      if (verdict.reader) this.admit(request, verdict.reader);
    }
    this.metrics.authDecided(DECISIONS[decision.status], (performance.now() - started) / 1000);
    // Never the password or a token: who, what, where, and the outcome. Readers re-authenticate
    // all the time (three callbacks an RTSP read): the routine answers, allowed or "send your
    // credentials", are debug; a refusal of credentials is worth an info line.
    const routine = decision.status === 200 || decision.status === 401;
    this.logger[routine ? 'debug' : 'info'](
      {
        action: request.action,
        path: request.path,
        protocol: request.protocol,
        ip: request.ip,
        user: request.user || undefined,
        allowed: decision.status === 200,
        reason: 'reason' in decision ? decision.reason : undefined,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'MediaMTX auth decision',
    );
    return decision;
  }

  /** The judgement, or 'late' once the budget is spent (it may still finish and fill the caches for the next try). */
  private async withinBudget(judgement: Promise<Verdict>): Promise<Verdict | Error | 'late'> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.config.mediamtx.authBudgetMs);
    });
    try {
      return await Promise.race([judgement.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async judge(request: AuthRequest): Promise<Verdict> {
    // MediaMTX fills `token` from the client's `Authorization: Bearer`; `?token=` arrives in the query.
    const token = request.token || queryToken(request.query) || '';
    const noCredentials = !request.user && !request.password && !token;
    if (SERVICE_ACTIONS.has(request.action)) {
      if (noCredentials) return deny(401, 'credentials required');
      const service = this.config.mediamtx;
      const isService = request.user === service.serviceUser && secretsEqual(request.password, service.servicePassword);
      return isService ? { decision: { status: 200 } } : deny(403, `${request.action} is reserved to the relay's service account`);
    }
    if (!READ_ACTIONS.has(request.action)) return deny(403, `action ${request.action} is not allowed`);
    if (noCredentials) return deny(401, 'credentials required');

    const viewer = await this.identities.identify({ ip: request.ip, user: request.user, password: request.password, token });
    if (!viewer) return deny(403, 'credentials not valid');
    const camera = await this.cameras.findByPath(request.path);
    if (!camera || !camera.isEnabled) return deny(403, 'no such camera');
    if (viewer.streamToken && viewer.streamToken.cameraId !== camera.id) return deny(403, 'the stream token is for another camera');
    const user = await this.authState.user(viewer.userId);
    if (!user?.canLogin) return deny(403, 'user may not log in');
    // A password checked before the user's tokens were voided (password change) counts no more.
    if (viewer.tokenVersion !== undefined && viewer.tokenVersion !== user.tokenVersion) {
      this.cache.forgetUser(user.id);
      return deny(403, 'credentials not valid');
    }
    if (user.role !== 'admin') {
      const granted = await this.cache.grantedCameras(user.id, async () => new Set(await this.grants.cameraIdsOf(user.id)));
      if (!granted?.has(camera.id)) return deny(403, 'camera not granted');
    }
    return { decision: { status: 200 }, reader: { userId: user.id, cameraId: camera.id, tokenId: viewer.streamToken?.tokenId ?? null } };
  }

  /**
   * What an allowed read sets going, only for a real reader: MediaMTX sends `id: null` for page
   * loads and preflights (the HLS index page, the WebRTC page and its OPTIONS), which start
   * nothing, so they are neither sessions nor demand.
   */
  private admit(request: AuthRequest, reader: NonNullable<Verdict['reader']>): void {
    if (!request.id) return;
    this.sessions.record({ id: request.id, protocol: request.protocol, ...reader });
    if (!this.state.isAvailable(request.path)) {
      void this.hooks.readAttempt(request.path, { query: request.query, readerType: request.protocol, readerId: request.id }).catch((error: unknown) => {
        this.logger.warn({ path: request.path, error: (error as Error).message }, 'could not publish demand');
      });
    }
  }
}
