import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors.js';
import { TEST_SEAMS, type TestSeams } from '../common/test-seams.js';
import { RelayMetrics } from '../metrics/relay-metrics.js';
import type { FeedEvent } from './event-bus.js';
import { EventLog } from './event-log.service.js';
import { EventStore, PAGE } from './event-store.js';
import type { TopicPattern } from './topics.js';

/** What a subscription with `since` is sent: whether it can resume there, and the stored events after it. */
@Injectable()
export class EventReplay {
  constructor(
    @Inject(TEST_SEAMS) private readonly seams: TestSeams,
    private readonly store: EventStore,
    private readonly log: EventLog,
    private readonly metrics: RelayMetrics,
  ) {}

  /**
   * Checks that events after `since` are all still kept; throws `gone` (with the oldest kept
   * seq) when some were pruned, or when `since` is beyond anything this database has numbered.
   */
  async assertResumable(since: number): Promise<void> {
    const bounds = await this.store.bounds();
    const latest = Math.max(bounds.latest, this.log.lastDelivered());
    const oldestSeq = bounds.oldest ?? latest + 1;
    const detail = { path: 'payload.since', oldestSeq, latestSeq: latest };
    if (since < bounds.pruned || since > latest) this.metrics.replaysGone.inc();
    if (since < bounds.pruned) {
      throw new DomainError('gone', `events after seq ${since} are no longer all kept (the oldest kept is ${oldestSeq}); reload the state and subscribe without since`, [
        { ...detail, message: `must be at least ${bounds.pruned}` },
      ]);
    }
    if (since > latest) {
      throw new DomainError('gone', `seq ${since} is ahead of this server's history (latest ${latest}); it was reset, so reload the state`, [
        { ...detail, message: `must be at most ${latest}` },
      ]);
    }
  }

  /** Stored events in (since, upTo] that the audiences may see and the patterns match, one page at a time, in order. */
  async *replay(since: number, upTo: number, audiences: readonly string[], patterns: readonly TopicPattern[]): AsyncGenerator<FeedEvent[]> {
    for (let after = since; after < upTo; ) {
      await this.seams.beforeReplayPage?.();
      const events = await this.store.page(after, upTo, audiences, patterns);
      if (events.length === 0) return;
      yield events;
      if (events.length < PAGE) return;
      after = events[events.length - 1].seq;
    }
  }
}
