import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { StoredEvent } from '../events/event-store.js';
import { EventWriter } from '../events/event-writer.js';
import { RetainedStates } from '../events/retained-states.js';
import { CAMERA_STATUS_EVENTS } from '../events/topics.js';
import { LOGGER } from '../logging/logger.js';
import { CameraStatesRepository } from './camera-states.repository.js';

/**
 * Each camera's last stream status (ready, readers), kept from the camera events this instance
 * stores and read back by the feed, which sends it retained to sockets subscribing to camera
 * status. Guarded by seq: with several instances writing, an older status never replaces a newer one.
 */
@Injectable()
export class CameraStates {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly repository: CameraStatesRepository,
    writer: EventWriter,
    retained: RetainedStates,
  ) {
    writer.onStored((events) =>
      this.keep(events).catch((error: unknown) => {
        this.logger.warn({ error: (error as Error).message }, 'could not keep the camera states');
      }),
    );
    retained.readCameraStatesWith((cameraIds) => this.repository.read(cameraIds));
  }

  private async keep(events: StoredEvent[]): Promise<void> {
    for (const { domain, entity, event, details, seq, at } of events) {
      if (domain !== 'camera' || entity === null) continue;
      if (event === 'deleted') {
        await this.repository.forget(entity);
        continue;
      }
      if (!CAMERA_STATUS_EVENTS.includes(event)) continue;
      const ready = event === 'ready' ? true : event === 'notReady' ? false : null;
      const readers = typeof details.readers === 'number' ? details.readers : null;
      await this.repository.keep(entity, ready, readers, seq, at);
    }
  }
}
