import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { ControlConnection } from '../jobs/control-connection.js';
import { LOGGER } from '../logging/logger.js';
import { EventBus, type InternalEvents } from './event-bus.js';

const CHANNEL = 'mtx_relay_signals';
/** Internal events that other instances must act on too: they end sessions and move sockets. */
const SHARED = ['user.revoked', 'session.revoked', 'access.changed'] as const;
type SharedName = (typeof SHARED)[number];

interface Signal {
  from: string;
  name: SharedName;
  event: InternalEvents[SharedName];
}

/**
 * Passes revocations and access changes to every other instance on the same database (NOTIFY),
 * where they are published on the local bus as if they had happened there, so sockets and
 * caches everywhere follow at once.
 */
@Injectable()
export class ClusterSignals implements OnModuleInit {
  private readonly instance = randomUUID();
  private replaying = false;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly bus: EventBus,
    private readonly connection: ControlConnection,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const name of SHARED) {
      this.bus.subscribe(name, (event: InternalEvents[SharedName]) => {
        if (!this.replaying) this.send({ from: this.instance, name, event });
      });
    }
    await this.connection.listen(CHANNEL, (payload) => this.receive(payload));
  }

  private send(signal: Signal): void {
    this.dataSource.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(signal)]).catch((error: unknown) => {
      this.logger.warn({ error: (error as Error).message, signal: signal.name }, 'could not tell other instances');
    });
  }

  private receive(payload: string): void {
    let signal: Signal;
    try {
      signal = JSON.parse(payload) as Signal;
    } catch {
      return;
    }
    if (signal.from === this.instance || !(SHARED as readonly string[]).includes(signal.name)) return;
    this.replaying = true;
    try {
      this.bus.publish(signal.name, signal.event);
    } finally {
      this.replaying = false;
    }
  }
}
