import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AccessTokenService } from '../auth/access-token.service.js';
import { AuthStateCache } from '../auth/auth-state.cache.js';
import { AuthService } from '../auth/auth.service.js';
import { CameraGrantsService } from '../cameras/camera-grants.service.js';
import { CamerasService } from '../cameras/cameras.service.js';
import { DomainError } from '../common/errors.js';
import { secretsEqual } from '../common/secrets-equal.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LOGGER } from '../logging/logger.js';
import { RelayMetrics } from '../metrics/relay-metrics.js';
import { RateLimiter } from '../commands/rate-limiter.js';
import { isStreamToken, StreamTokensService } from '../tokens/stream-tokens.service.js';
import { queryToken } from './hook-details.js';
import { HooksService } from './hooks.service.js';
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

interface Viewer {
  userId: number;
  /** Set when a stream token identified the viewer: the only camera it opens. */
  streamToken?: { tokenId: number; cameraId: number };
}

const READ_ACTIONS = new Set(['read', 'playback']);
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const SERVICE_ACTIONS = new Set(['publish', 'api', 'metrics', 'pprof']);
const DECISIONS = { 200: 'allowed', 401: 'unauthorized', 403: 'forbidden' } as const;

/** Decides MediaMTX's auth callbacks: who may watch which camera, and that only the relay publishes or uses the API. */
@Injectable()
export class MediaMtxAuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly auth: AuthService,
    private readonly accessTokens: AccessTokenService,
    private readonly authState: AuthStateCache,
    private readonly streamTokens: StreamTokensService,
    private readonly cameras: CamerasService,
    private readonly grants: CameraGrantsService,
    private readonly hooks: HooksService,
    private readonly state: StreamState,
    private readonly sessions: ViewerSessions,
    private readonly limits: RateLimiter,
    private readonly metrics: RelayMetrics,
  ) {}

  async decide(request: AuthRequest): Promise<AuthDecision> {
    const started = performance.now();
    const decision = await this.evaluate(request);
    this.metrics.authDecided(DECISIONS[decision.status], (performance.now() - started) / 1000);
    // Never the password or a token: who, what, where, and the outcome.
    this.logger.info(
      { action: request.action, path: request.path, protocol: request.protocol, ip: request.ip, user: request.user || undefined, allowed: decision.status === 200, reason: 'reason' in decision ? decision.reason : undefined },
      'MediaMTX auth decision',
    );
    return decision;
  }

  private async evaluate(request: AuthRequest): Promise<AuthDecision> {
    // MediaMTX fills `token` from the client's `Authorization: Bearer`; `?token=` arrives in the query.
    const token = request.token || queryToken(request.query) || '';
    const noCredentials = !request.user && !request.password && !token;
    if (SERVICE_ACTIONS.has(request.action)) {
      if (noCredentials) return { status: 401, reason: 'credentials required' };
      const service = this.config.mediamtx;
      const isService = request.user === service.serviceUser && secretsEqual(request.password, service.servicePassword);
      return isService ? { status: 200 } : { status: 403, reason: `${request.action} is reserved to the relay's service account` };
    }
    if (!READ_ACTIONS.has(request.action)) return { status: 403, reason: `action ${request.action} is not allowed` };
    if (noCredentials) return { status: 401, reason: 'credentials required' };

    const viewer = await this.identify(request, token);
    if (!viewer) return { status: 403, reason: 'credentials not valid' };
    const camera = await this.cameras.findByPath(request.path);
    if (!camera || !camera.isEnabled) return { status: 403, reason: 'no such camera' };
    if (viewer.streamToken && viewer.streamToken.cameraId !== camera.id) return { status: 403, reason: 'the stream token is for another camera' };
    const user = await this.authState.user(viewer.userId);
    if (!user?.canLogin) return { status: 403, reason: 'user may not log in' };
    if (user.role !== 'admin' && !(await this.grants.isGranted(user.id, camera.id))) return { status: 403, reason: 'camera not granted' };

    if (request.id) {
      this.sessions.record({ id: request.id, protocol: request.protocol, userId: user.id, cameraId: camera.id, tokenId: viewer.streamToken?.tokenId ?? null });
    }
    if (!this.state.isAvailable(request.path)) {
      await this.hooks.readAttempt(request.path, { query: request.query, readerType: request.protocol, readerId: request.id ?? undefined });
    }
    return { status: 200 };
  }

  /** Stream token (as RTSP password, `token` or `?token=`), access token (likewise), or username and password. */
  private async identify(request: AuthRequest, token: string): Promise<Viewer | null> {
    const offered = [request.password, token].filter((value) => value !== '');
    const streamToken = offered.find(isStreamToken);
    if (streamToken) {
      const holder = await this.streamTokens.verify(streamToken);
      return holder ? { userId: holder.userId, streamToken: { tokenId: holder.tokenId, cameraId: holder.cameraId } } : null;
    }
    try {
      // MediaMTX copies a password into `token` too, so a JWT is recognised by its shape, wherever it came.
      const accessToken = offered.find((value) => JWT_SHAPE.test(value));
      if (accessToken) return { userId: (await this.accessTokens.authenticate(accessToken)).userId };
      if (!request.user || !request.password) return null;
      // Password checks from MediaMTX count against the same per-address login budget as REST logins.
      this.limits.chargeLogin(request.ip || 'mediamtx');
      return { userId: (await this.auth.verifyPassword(request.user, request.password)).id };
    } catch (error) {
      if (error instanceof DomainError) return null;
      throw error;
    }
  }
}
