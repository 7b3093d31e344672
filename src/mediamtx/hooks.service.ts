import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { notFound, unauthorized, validationFailed } from '../common/errors.js';
import { secretsEqual } from '../common/secrets-equal.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LOGGER } from '../logging/logger.js';
import { Leadership } from '../jobs/leadership.service.js';
import { RelayMetrics } from '../metrics/relay-metrics.js';
import { HookHealth } from './hook-health.js';
import { HookRelay, type RelayedHook } from './hook-relay.js';
import { HOOK_EVENTS, StreamEvents, type HookCall, type HookEvent } from './stream-events.js';
import { StreamReconciler } from './stream-reconciler.service.js';
import { StreamState } from './stream-state.js';
import { ViewerSessions } from './viewer-sessions.js';

export { HOOK_EVENTS, type HookCall, type HookEvent } from './stream-events.js';

/**
 * Turns MediaMTX's hooks into `camera:<event>` topics and keeps per-path stream state. Each
 * hook is its own process on MediaMTX's side, so they come in any order and some never come:
 * a hook that looks out of order, and every change of readiness, has the path checked against
 * MediaMTX's own list a moment later (StreamReconciler).
 */
@Injectable()
export class HooksService implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly state: StreamState,
    private readonly viewers: ViewerSessions,
    private readonly events: StreamEvents,
    private readonly reconciler: StreamReconciler,
    private readonly health: HookHealth,
    private readonly leadership: Leadership,
    private readonly relay: HookRelay,
    private readonly metrics: RelayMetrics,
  ) {}

  onModuleInit(): void {
    this.relay.handleWith((hook) => this.takeRelayed(hook));
  }

  /** On the instance running the background work: a hook another instance received. */
  private async takeRelayed(hook: RelayedHook): Promise<void> {
    if (!this.leadership.isLeader()) return;
    if (hook.kind === 'hook') await this.apply(hook.event as HookEvent, { ...hook.call, secret: undefined });
    else await this.demand(hook.path, hook.details);
  }

  async handle(event: string, call: HookCall): Promise<void> {
    // The event is a URL segment: anything but a hook event counts as `unknown`.
    const known = (HOOK_EVENTS as readonly string[]).includes(event);
    if (!secretsEqual(call.secret, this.config.mediamtx.hookSecret)) {
      this.metrics.hook(known ? event : 'unknown', 'refused');
      this.health.refused();
      this.reconciler.observeSoon();
      this.logger.warn({ event, path: call.path }, 'refused a MediaMTX hook without the right secret');
      throw unauthorized('the hook secret is missing or wrong');
    }
    if (!known) throw notFound('hook', event);
    if (!call.path) throw validationFailed([{ path: 'X-Mtx-Path', message: 'is required' }]);
    this.metrics.hook(event, 'accepted');
    this.health.accepted();
    // Only the instance running the background work keeps the stream state, so that every camera event is published once;
    // while other instances run, it takes its own hooks from the database too, in the order the cluster received them.
    if (!this.relay.appliesAtOnce()) {
      const { secret: _secret, ...rest } = call;
      return this.relay.forward({ kind: 'hook', event, call: rest });
    }
    await this.apply(event as HookEvent, call);
  }

  private async apply(event: HookEvent, call: HookCall): Promise<void> {
    this.reconciler.hooksArrive();
    const path = call.path ?? '';
    const readerId = call.readerId || `${call.readerType ?? 'reader'}`;
    switch (event) {
      case 'ready':
      case 'notReady': {
        const changed = this.state.setAvailable(path, event === 'ready');
        // A late `ready` cannot be told from a new one: MediaMTX's list tells.
        this.reconciler.checkSoon(path);
        // A repeat, or what a correction already published.
        if (!changed) return;
        break;
      }
      case 'read': {
        if (call.readerId && call.readerType) this.viewers.learnReaderType(call.readerId, call.readerType);
        const outcome = this.state.addReader(path, readerId, call.readerType ?? null);
        // Readers exist only on available paths, and an ended reader only reads again after an RTSP PAUSE.
        if (outcome === 'ended' || !this.state.isAvailable(path)) this.reconciler.checkSoon(path);
        if (outcome !== 'added') return;
        break;
      }
      case 'unread': {
        const { removed, lastLeft } = this.state.removeReader(path, readerId);
        this.viewers.forget(readerId);
        // Unknown (its `read` was lost or is late): nothing was published for it, nothing to undo.
        if (!removed) return;
        await this.events.publish(path, 'unread', call);
        // Static on-demand sources have no demand hooks: the last reader leaving is the end of demand.
        if (lastLeft) await this.events.publish(path, 'unDemand', call);
        return;
      }
      case 'demand':
        if (!this.state.demand(path)) return;
        break;
      case 'unDemand':
        break;
    }
    await this.events.publish(path, event, call);
  }

  /** A read was allowed on a path that is not available: that is demand for its source. */
  async readAttempt(path: string, details: { query?: string; readerType?: string; readerId?: string }): Promise<void> {
    if (!this.relay.appliesAtOnce()) return this.relay.forward({ kind: 'readAttempt', path, details });
    await this.demand(path, details);
  }

  private async demand(path: string, details: { query?: string; readerType?: string; readerId?: string }): Promise<void> {
    if (!this.state.demand(path)) return;
    await this.events.publish(path, 'demand', details);
  }
}
