import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ControlConnection } from '../jobs/control-connection.js';
import { Leadership, LOCK_NAMESPACE } from '../jobs/leadership.service.js';
import { LOGGER } from '../logging/logger.js';
import { audienceOf } from './audience.js';
import { EventBus, type DomainEvent, type FeedEvent } from './event-bus.js';
import { ALL_TOPICS, CAMERA_STATUS_EVENTS, type TopicPattern } from './topics.js';

const EVENTS_WRITE_LOCK = 2;
const NOTIFY_CHANNEL = 'mtx_relay_events';
const BATCH = 500;
// A safety net under LISTEN/NOTIFY: a notification lost with a dropped connection is picked up here.
const POLL_MS = 2000;
const CATCH_UP_MS = 3000;
const SELECT_EVENTS = 'SELECT seq, domain, entity, event, details, rooms, at FROM events';

interface EventRow {
  seq: string;
  domain: FeedEvent['domain'];
  entity: number | null;
  event: string;
  details: Record<string, unknown>;
  rooms: string[];
  at: Date;
}

/** An event as written to the table. */
interface StoredRow {
  domain: FeedEvent['domain'];
  entity: number | null;
  event: string;
  details: Record<string, unknown>;
  rooms: string[];
  at: string;
}

type QueuedEvent = { event: DomainEvent; at: string };

const toStoredRow = ({ event, at }: QueuedEvent): StoredRow => ({ domain: event.domain, entity: event.entity, event: event.event, details: event.details, rooms: audienceOf(event), at });

const toFeedEvent = (row: StoredRow, seq: number | null): FeedEvent => ({
  seq,
  domain: row.domain,
  entity: row.entity,
  event: row.event,
  details: row.details,
  at: row.at,
  audiences: row.rooms,
});

const readFeedEvent = (row: EventRow): FeedEvent => toFeedEvent({ ...row, at: row.at.toISOString() }, Number(row.seq));

export interface CameraState {
  cameraId: number;
  ready: boolean;
  readers: number;
  seq: number;
  at: string;
}


/**
 * Numbers every domain event from one PostgreSQL sequence and keeps it in the events table,
 * then hands the events of every instance to the `feed` in seq order: stored first, delivered
 * from the table, so all instances deliver the same events in the same order. Also keeps each
 * camera's last stream status and, on the instance that runs background work, prunes old events.
 */
@Injectable()
export class EventLog implements OnModuleInit, OnApplicationShutdown {
  private readonly queue: QueuedEvent[] = [];
  private writing = false;
  private delivered = 0;
  private pumping = false;
  private pumpAgain = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly bus: EventBus,
    private readonly connection: ControlConnection,
    private readonly leadership: Leadership,
  ) {}

  async onModuleInit(): Promise<void> {
    this.delivered = await this.latestSeq();
    this.bus.subscribe('domain', (event) => this.enqueue(event));
    // The payload is the highest seq written; this instance's own writes are usually delivered
    // already. Anything else (an empty payload from an older trigger) means: read.
    await this.connection.listen(NOTIFY_CHANNEL, (payload) => {
      if (!(Number.parseInt(payload, 10) <= this.delivered)) this.pump();
    });
    this.connection.onReconnect(() => this.pump());
    this.pollTimer = setInterval(() => this.pump(), POLL_MS);
    this.pollTimer.unref();
    this.leadership.onChange((leader) => (leader ? this.schedulePrune(0) : clearTimeout(this.pruneTimer)));
    if (this.leadership.isLeader()) this.schedulePrune(0);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.pruneTimer);
  }

  /** The highest seq this instance has delivered: every event up to it has gone out. */
  lastDelivered(): number {
    return this.delivered;
  }

  /**
   * Checks that events after `since` are all still kept; throws `gone` (with the oldest kept
   * seq) when some were pruned, or when `since` is beyond anything this database has numbered.
   */
  async assertResumable(since: number): Promise<void> {
    const [row] = await this.dataSource.query<Array<{ pruned: string; oldest: string | null; latest: string }>>(
      `SELECT p.through_seq AS pruned, (SELECT min(seq) FROM events) AS oldest,
              GREATEST(p.through_seq, COALESCE((SELECT max(seq) FROM events), 0)) AS latest
         FROM events_pruned p`,
    );
    const pruned = Number(row.pruned);
    const latest = Math.max(Number(row.latest), this.delivered);
    const oldestSeq = row.oldest === null ? latest + 1 : Number(row.oldest);
    const detail = { path: 'payload.since', oldestSeq, latestSeq: latest };
    if (since < pruned) {
      throw new DomainError('gone', `events after seq ${since} are no longer all kept (the oldest kept is ${oldestSeq}); reload the state and subscribe without since`, [
        { ...detail, message: `must be at least ${pruned}` },
      ]);
    }
    if (since > latest) {
      throw new DomainError('gone', `seq ${since} is ahead of this server's history (latest ${latest}); it was reset, so reload the state`, [
        { ...detail, message: `must be at most ${latest}` },
      ]);
    }
  }

  /** Waits (a few seconds at most) until this instance has delivered every event up to `seq`. */
  async caughtUp(seq: number): Promise<void> {
    for (let waited = 0; this.delivered < seq && waited < CATCH_UP_MS; waited += 20) {
      this.pump();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stored events in (since, upTo] that the audiences may see and the patterns match, one page at a time, in order. */
  async *replay(since: number, upTo: number, audiences: readonly string[], patterns: readonly TopicPattern[]): AsyncGenerator<FeedEvent[]> {
    const all = patterns.includes(ALL_TOPICS);
    const domains = patterns.filter((pattern) => pattern.endsWith(':*')).map((pattern) => pattern.slice(0, -2));
    const exact = patterns.filter((pattern) => !pattern.endsWith('*'));
    for (let after = since; after < upTo; ) {
      if (this.config.testing.replayDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.config.testing.replayDelayMs));
      const rows = await this.dataSource.query<EventRow[]>(
        `${SELECT_EVENTS}
          WHERE seq > $1 AND seq <= $2 AND rooms && $3::text[]
            AND ($4 OR domain = ANY($5::text[]) OR domain || ':' || event = ANY($6::text[]))
          ORDER BY seq LIMIT ${BATCH}`,
        [after, upTo, audiences, all, domains, exact],
      );
      if (rows.length === 0) return;
      yield rows.map(readFeedEvent);
      if (rows.length < BATCH) return;
      after = Number(rows[rows.length - 1].seq);
    }
  }

  /** The last stream status of the cameras given (all cameras when null). */
  async cameraStates(cameraIds: readonly number[] | null): Promise<CameraState[]> {
    const rows = await this.dataSource.query<Array<{ camera_id: number; ready: boolean; readers: number; seq: string; at: Date }>>(
      `SELECT camera_id, ready, readers, seq, at FROM camera_states WHERE $1::int[] IS NULL OR camera_id = ANY($1::int[]) ORDER BY camera_id`,
      [cameraIds],
    );
    return rows.map((row) => ({ cameraId: row.camera_id, ready: row.ready, readers: row.readers, seq: Number(row.seq), at: row.at.toISOString() }));
  }

  private enqueue(event: DomainEvent): void {
    this.queue.push({ event, at: new Date().toISOString() });
    if (!this.writing) void this.write();
  }

  /** Writes queued events in batches, one batch at a time, so this instance's events keep their order. */
  private async write(): Promise<void> {
    this.writing = true;
    try {
      await this.writeQueued();
    } finally {
      this.writing = false;
    }
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, BATCH);
      let written: { seqs: number[]; rows: StoredRow[] };
      try {
        written = await this.insert(batch);
      } catch (error) {
        // Better late and unnumbered than never: this instance's sockets still hear of it.
        (this.stopped ? this.logger.debug : this.logger.warn).call(this.logger, { error: (error as Error).message, events: batch.length }, 'could not store events; delivering them without seq');
        try {
          for (const queued of batch) this.bus.publish('feed', toFeedEvent(toStoredRow(queued), null));
        } catch (failure) {
          this.logger.error({ err: failure }, 'delivering an event failed');
        }
        continue;
      }
      try {
        if (!this.deliverWritten(written.seqs, written.rows)) this.pump();
      } catch (error) {
        // A listener failed; the events after it are read back by the next pump.
        this.logger.error({ err: error }, 'delivering an event failed');
        this.pump();
      }
      await this.keepCameraStates(batch.map(({ event, at }, index) => ({ event, seq: written.seqs[index], at }))).catch((error: unknown) => {
        this.logger.warn({ error: (error as Error).message }, 'could not keep the camera states');
      });
    }
  }

  /**
   * Delivers what this instance just wrote without reading it back, when nothing can come
   * between: its first seq follows the last delivered one and no read is under way. Otherwise
   * the pump reads it, in order with the rest.
   */
  private deliverWritten(seqs: number[], rows: StoredRow[]): boolean {
    if (this.pumping || seqs.length === 0 || seqs[0] !== this.delivered + 1) return false;
    rows.forEach((row, index) => {
      this.delivered = seqs[index];
      this.bus.publish('feed', toFeedEvent(row, seqs[index]));
    });
    return true;
  }

  private async insert(batch: QueuedEvent[]): Promise<{ seqs: number[]; rows: StoredRow[] }> {
    const json = JSON.stringify(batch.map(toStoredRow));
    // The advisory lock is held until this statement commits: no lower seq can commit after it.
    const inserted = await this.dataSource.query<Array<{ seq: string }>>(
      `WITH write_lock AS (SELECT pg_advisory_xact_lock($1, $2))
       INSERT INTO events (domain, entity, event, details, rooms, at)
       SELECT b.domain, b.entity, b.event, b.details, b.rooms, b.at
         FROM write_lock, ROWS FROM (jsonb_to_recordset($3::jsonb) AS (domain text, entity integer, event text, details jsonb, rooms text[], at timestamptz))
              WITH ORDINALITY AS b(domain, entity, event, details, rooms, at, position)
        ORDER BY b.position
       RETURNING seq`,
      [LOCK_NAMESPACE, EVENTS_WRITE_LOCK, json],
    );
    // Parsed back from what was stored, so live details are what a replay will show.
    return { seqs: inserted.map((row) => Number(row.seq)), rows: JSON.parse(json) as StoredRow[] };
  }

  private async keepCameraStates(events: Array<{ event: DomainEvent; seq: number; at: string }>): Promise<void> {
    for (const { event, seq, at } of events) {
      if (event.domain !== 'camera' || event.entity === null) continue;
      if (event.event === 'deleted') {
        await this.dataSource.query('DELETE FROM camera_states WHERE camera_id = $1', [event.entity]);
        continue;
      }
      if (!CAMERA_STATUS_EVENTS.includes(event.event)) continue;
      const ready = event.event === 'ready' ? true : event.event === 'notReady' ? false : null;
      const readers = typeof event.details.readers === 'number' ? event.details.readers : null;
      // Guarded by seq: with several instances writing, an older status never replaces a newer one.
      await this.dataSource.query(
        `INSERT INTO camera_states (camera_id, ready, readers, seq, at) VALUES ($1, COALESCE($2, false), COALESCE($3, 0), $4, $5)
         ON CONFLICT (camera_id) DO UPDATE
           SET ready = COALESCE($2, camera_states.ready), readers = COALESCE($3, camera_states.readers), seq = $4, at = $5
         WHERE camera_states.seq < $4`,
        [event.entity, ready, readers, seq, at],
      );
    }
  }

  /** Hands every event stored after the last delivered one to the feed, in seq order. */
  private pump(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          let rows: EventRow[];
          do {
            rows = await this.dataSource.query<EventRow[]>(
              `${SELECT_EVENTS} WHERE seq > $1 ORDER BY seq LIMIT ${BATCH}`,
              [this.delivered],
            );
            for (const row of rows) {
              this.delivered = Number(row.seq);
              this.bus.publish('feed', readFeedEvent(row));
            }
          } while (rows.length === BATCH);
        } while (this.pumpAgain && !this.stopped);
      } catch (error) {
        this.logger.debug({ error: (error as Error).message }, 'could not read new events; will retry');
      } finally {
        this.pumping = false;
      }
    })();
  }

  private async latestSeq(): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ latest: string | null }>>('SELECT max(seq) AS latest FROM events');
    return Number(row.latest ?? 0);
  }

  private schedulePrune(delayMs: number): void {
    clearTimeout(this.pruneTimer);
    if (this.stopped) return;
    this.pruneTimer = setTimeout(() => {
      void this.prune().finally(() => {
        if (this.leadership.isLeader()) this.schedulePrune(this.config.events.pruneIntervalSeconds * 1000);
      });
    }, delayMs);
    this.pruneTimer.unref();
  }

  /** Drops events older than the retention or beyond the row limit, oldest first, and records how far. */
  async prune(): Promise<number> {
    try {
      const [row] = await this.dataSource.query<Array<{ through: string; removed: number }>>(
        `WITH threshold AS (
           SELECT GREATEST(
             (SELECT max(seq) FROM events WHERE at < now() - make_interval(secs => $1)),
             (SELECT max(seq) FROM events) - $2
           ) AS seq
         ), doomed AS (
           DELETE FROM events WHERE seq <= (SELECT seq FROM threshold) RETURNING seq
         ), recorded AS (
           UPDATE events_pruned SET through_seq = GREATEST(through_seq, COALESCE((SELECT max(seq) FROM doomed), 0)) RETURNING through_seq
         )
         SELECT (SELECT through_seq FROM recorded) AS through, (SELECT count(*)::int FROM doomed) AS removed`,
        [this.config.events.retentionSeconds, this.config.events.maxRows],
      );
      this.logger.debug({ removed: row.removed }, 'event pruning ran');
      if (row.removed > 0) this.logger.info({ removed: row.removed, throughSeq: Number(row.through) }, 'pruned old events');
      return row.removed;
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'could not prune old events');
      return 0;
    }
  }
}
