import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { OAuth2TokenStore, type ClaimedRefresh } from '../credentials/oauth2-token.store.js';
import { EventBus } from '../events/event-bus.js';
import { Leadership } from '../jobs/leadership.service.js';
import { LOGGER } from '../logging/logger.js';
import { RelayMetrics } from '../metrics/relay-metrics.js';
import { CameraExtensions } from './camera-extensions.service.js';
import { TokenEndpointClient, TokenRefreshError, TokenRequestCancelled, type TokenGrant } from './token-endpoint.client.js';

/** Looks at the table this often even when nothing announced a change. */
const SAFETY_CHECK_MS = 30_000;
/** A refresh starts this long before the token expires, or 20 % of its lifetime when that is shorter. */
const REFRESH_MARGIN_MS = 60_000;
const REFRESH_MARGIN_SHARE = 0.2;
/** However short-lived the tokens, no tighter loop than this. */
const MIN_REFRESH_INTERVAL_MS = 1000;

/**
 * Keeps the access tokens of oauth2 credentials fresh, on the instance that runs background
 * work: a timer for the soonest due credential (re-armed after each run, on credential changes
 * from any instance, on becoming leader, and at least every 30 s), a lease per refresh taken in
 * the database, and the credentials events of each outcome.
 */
@Injectable()
export class TokenRefresher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private runAgain = false;
  private stopped = false;
  private readonly attempts = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly store: OAuth2TokenStore,
    private readonly endpoint: TokenEndpointClient,
    private readonly extensions: CameraExtensions,
    private readonly leadership: Leadership,
    private readonly bus: EventBus,
    private readonly metrics: RelayMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.bus.subscribe('feed', (event) => {
      if (event.domain === 'credentials' && (event.event === 'created' || event.event === 'updated')) this.checkNow();
    });
    this.leadership.onChange((leader) => (leader ? this.checkNow() : clearTimeout(this.timer)));
    if (this.leadership.isLeader()) this.checkNow();
  }

  /**
   * Lets the refreshes under way finish: giving up on a request the endpoint may already have
   * answered could make the next instance present a refresh token the endpoint has rotated.
   * Those still running at half the shutdown grace are given up, their credentials left due.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const giveUp = setTimeout(() => this.stopping.abort(), (this.config.shutdownGraceSeconds * 1000) / 2);
    await Promise.allSettled(this.attempts);
    clearTimeout(giveUp);
  }

  private checkNow(): void {
    this.arm(0);
  }

  private arm(delayMs: number): void {
    if (this.stopped || !this.leadership.isLeader()) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), Math.max(0, Math.min(delayMs, SAFETY_CHECK_MS)));
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.runAgain = true;
      return;
    }
    this.running = true;
    let nextDueMs: number | null = SAFETY_CHECK_MS;
    try {
      do {
        this.runAgain = false;
        if (this.stopped || !this.leadership.isLeader()) return;
        for (const claim of await this.store.claimDue(new Date(Date.now() + this.leaseMs()))) this.track(this.attempt(claim));
        nextDueMs = await this.store.msUntilNextDue();
      } while (this.runAgain);
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'could not look for oauth2 credentials to refresh');
    } finally {
      this.running = false;
    }
    this.arm(nextDueMs ?? SAFETY_CHECK_MS);
  }

  /** Outlives the request it covers; a refresh that died with its instance is retried once it ends. */
  private leaseMs(): number {
    return 2 * this.config.oauth2.requestTimeoutSeconds * 1000;
  }

  private track(attempt: Promise<void>): void {
    this.attempts.add(attempt);
    void attempt.finally(() => {
      this.attempts.delete(attempt);
      this.checkNow();
    });
  }

  /** One refresh of one claimed credential; never rejects. */
  private async attempt(claim: ClaimedRefresh): Promise<void> {
    try {
      if (!claim.inputs) return await this.failed(claim, claim.unreadable ?? 'the stored secrets cannot be decrypted');
      const requestedAt = Date.now();
      let grant: TokenGrant;
      try {
        grant = await this.endpoint.refresh(claim.inputs, this.stopping.signal);
      } catch (error) {
        if (error instanceof TokenRequestCancelled) return await this.store.release(claim);
        return await this.failed(claim, error instanceof TokenRefreshError ? error.message : 'the token refresh failed unexpectedly');
      }
      await this.succeeded(claim, grant, requestedAt);
    } catch (error) {
      this.logger.error({ credentialId: claim.id, error: (error as Error).message }, 'could not record the outcome of an oauth2 token refresh');
    }
  }

  private async succeeded(claim: ClaimedRefresh, grant: TokenGrant, requestedAt: number): Promise<void> {
    const lifetimeMs = grant.lifetimeSeconds * 1000;
    const expiresAt = new Date(requestedAt + lifetimeMs);
    const refreshAt = expiresAt.getTime() - Math.min(REFRESH_MARGIN_MS, lifetimeMs * REFRESH_MARGIN_SHARE);
    const nextRefreshAt = new Date(Math.max(refreshAt, Date.now() + MIN_REFRESH_INTERVAL_MS));
    const stored = await this.store.recordGrant(claim, { accessToken: grant.accessToken, refreshToken: grant.refreshToken, expiresAt, nextRefreshAt });
    if (!stored) return this.dropped(claim);
    this.metrics.oauth2Refreshed('succeeded');
    this.logger.info(
      { credentialId: claim.id, expiresAt: expiresAt.toISOString(), nextRefreshAt: nextRefreshAt.toISOString(), rotated: grant.refreshToken !== undefined },
      'oauth2 access token refreshed',
    );
    const first = claim.authState !== 'authenticated';
    this.publish(claim, first ? 'authenticated' : 'reauthenticated', {
      expiresAt: expiresAt.toISOString(),
      ...(claim.authState === 'unauthenticated' ? { recovered: true } : {}),
    });
    // While stopping, the paths are left to the next instance's start-up reconciliation.
    if (!this.stopped) await this.extensions.extended(claim.id, expiresAt);
  }

  private async failed(claim: ClaimedRefresh, error: string): Promise<void> {
    const failure = await this.store.recordFailure(claim, error, { initialSeconds: this.config.oauth2.retryInitialSeconds, maxSeconds: this.config.oauth2.retryMaxSeconds });
    if (!failure) return this.dropped(claim);
    this.metrics.oauth2Refreshed('failed');
    const retryAt = failure.retryAt.toISOString();
    this.logger.warn({ credentialId: claim.id, error, attempts: failure.attempts, retryAt }, 'oauth2 token refresh failed');
    this.publish(claim, 'unauthenticated', { error, attempts: failure.attempts, retryAt });
    await this.extensions.failed(claim.id, error);
  }

  /** The credential was changed or deleted during the request: a newer attempt, if any, decides. */
  private dropped(claim: ClaimedRefresh): void {
    this.metrics.oauth2Refreshed('dropped');
    this.logger.info({ credentialId: claim.id }, 'oauth2 credential changed or deleted during its token refresh; the result is dropped');
  }

  private publish(claim: ClaimedRefresh, event: 'authenticated' | 'reauthenticated' | 'unauthenticated', details: Record<string, unknown>): void {
    this.bus.publish('domain', { domain: 'credentials', entity: claim.id, event, details: { description: claim.description, kind: 'oauth2', ...details } });
  }
}
