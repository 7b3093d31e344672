import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ControlConnection } from '../jobs/control-connection.js';
import { Leadership } from '../jobs/leadership.service.js';
import { LOGGER } from '../logging/logger.js';
import { RelayedHooksStore, TAKE_AT_ONCE } from './relayed-hooks.store.js';
import type { HookCall } from './stream-events.js';

const CHANNEL = 'mtx_relay_hooks';
/** A relayed hook is kept at least this long for an instance to take it; older ones are dropped (the reconciler has corrected the state by then). */
const MIN_KEEP_SECONDS = 60;

/** A hook or a read attempt as it crosses to the instance that keeps the stream state; never the secret. */
export type RelayedHook =
  | { kind: 'hook'; event: string; call: Omit<HookCall, 'secret'> }
  | { kind: 'readAttempt'; path: string; details: { query?: string; readerType?: string; readerId?: string } };

type Handler = (hook: RelayedHook) => Promise<void>;

/**
 * Passes MediaMTX's hooks from the instance that received them to the one running the
 * background work, which alone keeps the stream state and publishes camera events. A hook is
 * stored (`relayed_hooks`) and the instance running the background work is woken (NOTIFY); it
 * takes the waiting hooks in the order they came, and takes whatever waits when it starts running
 * the background work, so a hook sent while no instance runs it is applied once one does. Hooks
 * kept longer than max(60 s, 2 × BACKGROUND_LOCK_RETRY) are dropped instead.
 */
@Injectable()
export class HookRelay implements OnApplicationBootstrap {
  private handler: Handler | undefined;
  private readonly keepSeconds: number;
  private draining: Promise<void> | undefined;
  private drainAgain = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly connection: ControlConnection,
    private readonly leadership: Leadership,
    private readonly store: RelayedHooksStore,
  ) {
    this.keepSeconds = Math.max(MIN_KEEP_SECONDS, 2 * config.backgroundLockRetrySeconds);
  }

  /** Set by the hooks service: what the instance running the background work does with a relayed hook. */
  handleWith(handler: Handler): void {
    this.handler = handler;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.leadership.onChange((leader) => {
      if (leader) void this.drain();
    });
    await this.connection.listen(CHANNEL, () => void this.drain());
    // Hooks left waiting while no instance ran the background work.
    void this.drain();
  }

  async forward(hook: RelayedHook): Promise<void> {
    const stored = await this.store.put(hook, this.keepSeconds, CHANNEL);
    if (!stored) this.logger.warn({ kind: hook.kind }, 'could not pass a MediaMTX hook to the instance that keeps the stream state; the reconciler will correct it');
  }

  /** Takes and applies the waiting hooks, one at a time in the order they came, while this instance runs the background work. */
  private drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      try {
        do {
          this.drainAgain = false;
          await this.drainOnce();
        } while (this.drainAgain);
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  private async drainOnce(): Promise<void> {
    for (;;) {
      const handler = this.handler;
      if (!handler || !this.leadership.isLeader()) return;
      const taken = await this.store.take(this.keepSeconds);
      if (!taken) return;
      const dropped = taken.filter(({ expired }) => expired).length;
      if (dropped > 0) this.logger.warn({ dropped }, 'dropped relayed MediaMTX hooks that waited too long; the reconciler corrects the state');
      for (const { hook, expired } of taken) {
        if (expired) continue;
        await handler(hook).catch((error: unknown) => this.logger.warn({ error: (error as Error).message }, 'a relayed MediaMTX hook failed'));
      }
      if (taken.length < TAKE_AT_ONCE) return;
    }
  }
}
