import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { ControlConnection } from '../jobs/control-connection.js';
import { LOGGER } from '../logging/logger.js';
import type { HookCall } from './stream-events.js';

const CHANNEL = 'mtx_relay_hooks';

/** A hook or a read attempt as it crosses to the instance that keeps the stream state; never the secret. */
export type RelayedHook =
  | { kind: 'hook'; event: string; call: Omit<HookCall, 'secret'> }
  | { kind: 'readAttempt'; path: string; details: { query?: string; readerType?: string; readerId?: string } };

type Handler = (hook: RelayedHook) => Promise<void>;

/**
 * Passes MediaMTX's hooks from the instance that received them to the one running the
 * background work, which alone keeps the stream state and publishes camera events (NOTIFY in
 * the order they came). A hook sent while no instance runs it is lost like a hook MediaMTX never
 * sent: the stream reconciler corrects the state from MediaMTX's own lists.
 */
@Injectable()
export class HookRelay implements OnApplicationBootstrap {
  private handler: Handler | undefined;
  private handling: Promise<void> = Promise.resolve();

  constructor(
    private readonly connection: ControlConnection,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Set by the hooks service: what the instance running the background work does with a relayed hook. */
  handleWith(handler: Handler): void {
    this.handler = handler;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.connection.listen(CHANNEL, (payload) => this.receive(payload));
  }

  async forward(hook: RelayedHook): Promise<void> {
    const sent = await this.connection.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ from: this.connection.instanceId, hook })]);
    if (!sent) this.logger.warn({ kind: hook.kind }, 'could not pass a MediaMTX hook to the instance that keeps the stream state; the reconciler will correct it');
  }

  private receive(payload: string): void {
    let message: { from: string; hook: RelayedHook };
    try {
      message = JSON.parse(payload) as { from: string; hook: RelayedHook };
    } catch {
      return;
    }
    const handler = this.handler;
    if (!handler || message.from === this.connection.instanceId) return;
    // One at a time, in the order they came, as hooks on one instance are.
    this.handling = this.handling.then(() =>
      handler(message.hook).catch((error: unknown) => this.logger.warn({ error: (error as Error).message }, 'a relayed MediaMTX hook failed')),
    );
  }
}
