import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { CamerasService } from '../cameras/cameras.service.js';
import { notFound, unauthorized, validationFailed } from '../common/errors.js';
import { secretsEqual } from '../common/secrets-equal.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EventBus } from '../events/event-bus.js';
import { LOGGER } from '../logging/logger.js';
import { decodedQuery } from './hook-details.js';
import { StreamState } from './stream-state.js';
import { ViewerSessions } from './viewer-sessions.js';

export const HOOK_EVENTS = ['demand', 'unDemand', 'ready', 'notReady', 'read', 'unread'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** The hook variables MediaMTX passes, as the shipped hook commands send them. */
export interface HookCall {
  secret: string | undefined;
  path: string | undefined;
  query: string | undefined;
  sourceType: string | undefined;
  sourceId: string | undefined;
  readerType: string | undefined;
  readerId: string | undefined;
}

/** Turns MediaMTX's hooks into `camera:<event>` topics and keeps per-path stream state. */
@Injectable()
export class HooksService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly cameras: CamerasService,
    private readonly state: StreamState,
    private readonly viewers: ViewerSessions,
    private readonly bus: EventBus,
  ) {}

  async handle(event: string, call: HookCall): Promise<void> {
    if (!secretsEqual(call.secret, this.config.mediamtx.hookSecret)) {
      this.logger.warn({ event, path: call.path }, 'refused a MediaMTX hook without the right secret');
      throw unauthorized('the hook secret is missing or wrong');
    }
    if (!(HOOK_EVENTS as readonly string[]).includes(event)) throw notFound('hook', event);
    if (!call.path) throw validationFailed([{ path: 'X-Mtx-Path', message: 'is required' }]);
    const path = call.path;
    const readerId = call.readerId || `${call.readerType ?? 'reader'}`;
    switch (event as HookEvent) {
      case 'ready':
        this.state.setAvailable(path, true);
        break;
      case 'notReady':
        this.state.setAvailable(path, false);
        break;
      case 'read':
        this.state.addReader(path, readerId);
        break;
      case 'unread': {
        const { lastLeft } = this.state.removeReader(path, readerId);
        this.viewers.forget(readerId);
        await this.publish(path, 'unread', call);
        // Static on-demand sources have no demand hooks: the last reader leaving is the end of demand.
        if (lastLeft) await this.publish(path, 'unDemand', call);
        return;
      }
      case 'demand':
        if (!this.state.demand(path)) return;
        break;
      case 'unDemand':
        break;
    }
    await this.publish(path, event as HookEvent, call);
  }

  /** A read was allowed on a path that is not available: that is demand for its source. */
  async readAttempt(path: string, details: { query?: string; readerType?: string; readerId?: string }): Promise<void> {
    if (!this.state.demand(path)) return;
    await this.publish(path, 'demand', details);
  }

  private async publish(path: string, event: HookEvent, call: Partial<HookCall>): Promise<void> {
    const camera = await this.cameras.findByPath(path);
    const reader = event === 'read' || event === 'unread' || event === 'demand';
    const details: Record<string, unknown> = {
      name: camera?.name ?? null,
      path,
      query: decodedQuery(call.query),
      ...(reader ? { readerType: call.readerType ?? null, readerId: call.readerId ?? null } : { sourceType: call.sourceType ?? null, sourceId: call.sourceId ?? null }),
    };
    if (event !== 'demand' && event !== 'unDemand') details.readers = this.state.readers(path);
    this.bus.publish('domain', { domain: 'camera', entity: camera?.id ?? null, event, details });
  }
}

