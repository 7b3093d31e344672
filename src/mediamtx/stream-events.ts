import { Injectable } from '@nestjs/common';
import { CamerasService } from '../cameras/cameras.service.js';
import { EventBus } from '../events/event-bus.js';
import { decodedQuery } from './hook-details.js';
import { StreamState } from './stream-state.js';

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

/** Publishes a path's stream events as `camera:<event>`, with the reader count the relay now knows. */
@Injectable()
export class StreamEvents {
  constructor(
    private readonly cameras: CamerasService,
    private readonly state: StreamState,
    private readonly bus: EventBus,
  ) {}

  /** `reconciled`: the event was not a hook but what MediaMTX's own lists showed (a hook lost or late). */
  async publish(path: string, event: HookEvent, call: Partial<HookCall>, reconciled = false): Promise<void> {
    const camera = await this.cameras.findByPath(path);
    const reader = event === 'read' || event === 'unread' || event === 'demand';
    const details: Record<string, unknown> = {
      name: camera?.name ?? null,
      path,
      query: decodedQuery(call.query),
      ...(reader ? { readerType: call.readerType ?? null, readerId: call.readerId ?? null } : { sourceType: call.sourceType ?? null, sourceId: call.sourceId ?? null }),
    };
    if (event !== 'demand' && event !== 'unDemand') details.readers = this.state.readers(path);
    if (reconciled) details.reconciled = true;
    this.bus.publish('domain', { domain: 'camera', entity: camera?.id ?? null, event, details });
  }
}
