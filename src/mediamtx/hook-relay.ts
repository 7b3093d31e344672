import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { CoalescingRun } from '../common/coalescing-run.js';
import { TEST_SEAMS, type TestSeams } from '../common/test-seams.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ControlConnection } from '../jobs/control-connection.js';
import { LeaderInterval } from '../jobs/leader-interval.js';
import { Leadership } from '../jobs/leadership.service.js';
import { LOGGER } from '../logging/logger.js';
import { RelayedHooksStore, TAKE_AT_ONCE, type RelayedHook } from './relayed-hooks.store.js';

const CHANNEL = 'mtx_relay_hooks';
/** A relayed hook is kept at least this long for an instance to take it; older ones are dropped (the reconciler has corrected the state by then). */
const MIN_KEEP_SECONDS = 60;

export type { RelayedHook } from './relayed-hooks.store.js';

type Handler = (hook: RelayedHook) => Promise<void>;

/**
 * Puts MediaMTX's hooks, whichever instance received them, in one order for the instance running
 * the background work, which alone keeps the stream state and publishes camera events. A hook is
 * stored (`relayed_hooks`, whose ids are that order) and the instance running the background work
 * is woken (NOTIFY); it takes the waiting hooks oldest first, and takes whatever waits when it
 * starts running the background work, so a hook sent while no instance runs it is applied once
 * one does. Hooks kept longer than max(60 s, 2 × BACKGROUND_LOCK_RETRY) are dropped instead.
 *
 * The instance running the background work stores the hooks it receives too, unless no other
 * instance is on the database (counted every BACKGROUND_LOCK_RETRY; an instance announces itself
 * when it starts, and each hook stored names its sender): then nothing can come between them and
 * it applies them at once, without the round trip.
 */
@Injectable()
export class HookRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private handler: Handler | undefined;
  private readonly keepSeconds: number;
  /** Takes and applies the waiting hooks, one at a time in the order they came, while this instance runs the background work. */
  private readonly draining = new CoalescingRun(() => this.drainOnce());
  /** Hooks this instance is storing right now: one received later must not overtake them. */
  private storing = 0;
  /** No other instance is on the database; false until a count says so. */
  private alone = false;
  /** Wake-ups from other instances so far: a count of instances started before one of them is stale. */
  private othersHeard = 0;
  private readonly census: LeaderInterval;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(TEST_SEAMS) private readonly seams: TestSeams,
    private readonly connection: ControlConnection,
    private readonly leadership: Leadership,
    private readonly store: RelayedHooksStore,
  ) {
    this.keepSeconds = Math.max(MIN_KEEP_SECONDS, 2 * config.backgroundLockRetrySeconds);
    this.census = new LeaderInterval(leadership, config.backgroundLockRetrySeconds * 1000, () => this.countInstances());
  }

  /** Set by the hooks service: what the instance running the background work does with a hook taken from the table. */
  handleWith(handler: Handler): void {
    this.handler = handler;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.leadership.onChange((leader) => {
      if (leader) void this.draining.run();
      else this.alone = false;
    });
    await this.connection.listen(CHANNEL, (sender) => this.woken(sender));
    this.connection.onReconnect(() => void this.store.announce(CHANNEL));
    await this.store.announce(CHANNEL);
    // Counted before this instance takes requests, so that a lone one applies its first hooks at once.
    if (this.leadership.isLeader()) await this.countInstances();
    this.census.start();
    // Hooks left waiting while no instance ran the background work.
    void this.draining.run();
  }

  onApplicationShutdown(): void {
    this.census.stop();
  }

  /**
   * Whether a hook this instance received is applied here at once: it runs the background work,
   * no other instance is on the database, and no stored hook waits to be applied before it.
   */
  appliesAtOnce(): boolean {
    return this.leadership.isLeader() && this.alone && !this.draining.busy && this.storing === 0;
  }

  /** Stores a hook in the cluster's order; on the instance running the background work, applies what waits. */
  async forward(hook: RelayedHook): Promise<void> {
    this.storing += 1;
    let stored: boolean;
    try {
      stored = await this.store.put(hook, this.keepSeconds, CHANNEL);
    } finally {
      this.storing -= 1;
    }
    if (!stored) this.logger.warn({ kind: hook.kind }, 'could not pass a MediaMTX hook to the instance that keeps the stream state; the reconciler will correct it');
    else if (this.leadership.isLeader()) void this.draining.run();
  }

  private woken(sender: string): void {
    // Its own hooks: `forward` drains already.
    if (sender === this.connection.instanceId) return;
    this.othersHeard += 1;
    this.setAlone(false);
    void this.draining.run();
  }

  private async countInstances(): Promise<void> {
    const heard = this.othersHeard;
    const others = await this.store.otherInstances();
    if (others === undefined) return;
    if (others > 0) {
      this.setAlone(false);
      return;
    }
    if (this.alone) return;
    // What the others left waiting goes first.
    await this.draining.run();
    if (this.othersHeard === heard && this.leadership.isLeader()) this.setAlone(true);
  }

  private setAlone(alone: boolean): void {
    if (this.alone === alone) return;
    this.alone = alone;
    if (!this.leadership.isLeader()) return;
    this.logger.info(
      alone
        ? 'no other instance is on the database: MediaMTX hooks are applied as this instance receives them'
        : 'other instances are on the database: MediaMTX hooks are applied in the order the database stored them',
    );
  }

  private async drainOnce(): Promise<void> {
    for (;;) {
      const handler = this.handler;
      if (!handler || !this.leadership.isLeader()) return;
      await this.seams.beforeRelayedHooksTaken?.();
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
