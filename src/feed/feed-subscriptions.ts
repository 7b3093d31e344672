import { Injectable } from '@nestjs/common';
import type { SubscriptionOutcome } from '../commands/command-registry.js';
import { cameraIdOf } from '../events/audience.js';
import { EventLog } from '../events/event-log.service.js';
import { EventReplay } from '../events/event-replay.js';
import { RetainedStates } from '../events/retained-states.js';
import { ALL_TOPICS, CAMERA_STATUS_EVENTS, matchesAny, type TopicPattern } from '../events/topics.js';
import type { FeedEvent } from '../events/event-bus.js';
import { RelayMetrics } from '../metrics/relay-metrics.js';
import { TopicFeed, type FeedSocket, type Hold } from './topic-feed.js';

/** Camera events whose subscribers get each camera's retained state. */
const STATUS_EVENTS = ['state', ...CAMERA_STATUS_EVENTS];

/**
 * What one socket receives: its topics, the replay of what it missed, and the retained camera
 * state. Changes to one socket's subscriptions run one after another.
 */
@Injectable()
export class FeedSubscriptions {
  private readonly queues = new WeakMap<FeedSocket, Promise<unknown>>();

  constructor(
    private readonly feed: TopicFeed,
    private readonly log: EventLog,
    private readonly replays: EventReplay,
    private readonly retained: RetainedStates,
    private readonly metrics: RelayMetrics,
  ) {}

  topics(socket: FeedSocket): TopicPattern[] {
    return socket.data.topics ?? [ALL_TOPICS];
  }

  /**
   * Narrows the socket to `patterns` (the first time) or adds them. With `since`, first sends
   * every kept event after it that the socket may see and asked for, then whatever happened
   * during the replay, then live events: in seq order, none twice.
   */
  subscribe(socket: FeedSocket, patterns: TopicPattern[], since: number | undefined): Promise<SubscriptionOutcome> {
    return this.serially(socket, async () => {
      if (since !== undefined) {
        await this.replays.assertResumable(since);
        // Through another instance the client may have seen events this one has not delivered yet.
        await this.log.caughtUp(since);
      }
      const before = this.topics(socket);
      socket.data.topics = unique([...(socket.data.topics ?? []), ...patterns]);
      const upTo = this.log.lastDelivered();
      const hold = this.feed.hold(socket, Math.max(since ?? upTo, upTo));
      // Since `coveredFrom` the socket has had, live, every event of its earlier topics.
      const covered = socket.data.coveredFrom;
      let retained = 0;
      let replayed = 0;
      try {
        if (STATUS_EVENTS.some((event) => matchesAny(patterns, 'camera', event))) retained = await this.sendCameraStates(socket);
        if (since !== undefined) {
          replayed += await this.replay(socket, hold, since, Math.min(covered, upTo), socket.data.topics);
          const added = before.includes(ALL_TOPICS) ? [] : patterns.filter((pattern) => !before.includes(pattern));
          replayed += await this.replay(socket, hold, Math.max(since, covered), upTo, added, (event) => !matchesAny(before, event.domain, event.event));
          // Pruned while it ran: what was sent has a hole.
          await this.replays.assertResumable(since);
        }
      } finally {
        this.feed.release(hold);
      }
      socket.data.coveredFrom = since ?? upTo;
      if (since !== undefined) {
        this.metrics.replays.inc();
        this.metrics.replayedEvents.inc(replayed);
      }
      return { topics: this.topics(socket), replayed, retained, seq: this.log.lastDelivered() };
    });
  }

  /** Sends the kept events in (from, upTo] of `patterns` that the held socket may see (its access may change meanwhile). */
  private async replay(socket: FeedSocket, hold: Hold, from: number, upTo: number, patterns: TopicPattern[], keep: (event: FeedEvent) => boolean = () => true): Promise<number> {
    let sent = 0;
    if (from >= upTo || patterns.length === 0) return sent;
    for await (const page of this.replays.replay(from, upTo, socket.data.audiences, patterns)) {
      if (!socket.connected) break;
      const events = page.filter((event) => keep(event) && this.feed.mayReceive(hold, event));
      this.feed.send(socket, events);
      sent += events.length;
    }
    return sent;
  }

  /** Stops the socket receiving `patterns`; with none left it receives nothing. */
  unsubscribe(socket: FeedSocket, patterns: TopicPattern[]): Promise<TopicPattern[]> {
    return this.serially(socket, async () => {
      socket.data.topics = this.topics(socket).filter((topic) => !patterns.includes(topic));
      await this.feed.place(socket, socket.data.audiences, socket.data.role);
      return this.topics(socket);
    });
  }

  private async sendCameraStates(socket: FeedSocket): Promise<number> {
    const cameraIds = socket.data.role === 'admin' ? null : socket.data.audiences.map(cameraIdOf).filter((id): id is number => id !== undefined);
    const states = await this.retained.cameraStates(cameraIds);
    this.feed.send(
      socket,
      states.map((state) => ({
        domain: 'camera',
        entity: state.cameraId,
        event: 'state',
        details: { ready: state.ready, readers: state.readers },
        at: state.at,
        seq: state.seq,
        retained: true,
      })),
    );
    return states.length;
  }

  private serially<T>(socket: FeedSocket, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(socket) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.queues.set(socket, next.catch(() => undefined));
    return next;
  }
}

const unique = <T>(items: T[]): T[] => [...new Set(items)];
