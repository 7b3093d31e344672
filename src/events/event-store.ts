import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOCK_NAMESPACE } from '../jobs/leadership.service.js';
import type { FeedEvent } from './event-bus.js';
import { ALL_TOPICS, type TopicPattern } from './topics.js';

const EVENTS_WRITE_LOCK = 2;
const SELECT_EVENTS = 'SELECT seq, domain, entity, event, details, audiences, at FROM events';
/** The most events one statement writes or one page reads. */
export const PAGE = 500;

/** An event as written to the table, before it has a seq. */
export type UnnumberedEvent = Omit<FeedEvent, 'seq'>;

interface EventRow {
  seq: string;
  domain: FeedEvent['domain'];
  entity: number | null;
  event: string;
  details: Record<string, unknown>;
  audiences: string[];
  at: Date;
}

/** An event as read back from the table, or as just written to it: always numbered. */
export type StoredEvent = FeedEvent & { seq: number };

export const numbered = <Seq extends number | null>(event: UnnumberedEvent, seq: Seq): FeedEvent & { seq: Seq } => ({
  seq,
  domain: event.domain,
  entity: event.entity,
  event: event.event,
  details: event.details,
  at: event.at,
  audiences: event.audiences,
});

const readEvent = (row: EventRow): StoredEvent => numbered({ ...row, at: row.at.toISOString() }, Number(row.seq));

/** The SQL of the events table, of how far it was pruned, and of the NOTIFYs instances pass each other. */
@Injectable()
export class EventStore {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Numbers and stores the events in order; returns them as stored, parsed back so live details are what a replay will show. */
  async insert(events: UnnumberedEvent[]): Promise<StoredEvent[]> {
    const json = JSON.stringify(events);
    // The advisory lock is held until this statement commits: no lower seq can commit after it.
    const inserted = await this.dataSource.query<Array<{ seq: string }>>(
      `WITH write_lock AS (SELECT pg_advisory_xact_lock($1, $2))
       INSERT INTO events (domain, entity, event, details, audiences, at)
       SELECT b.domain, b.entity, b.event, b.details, b.audiences, b.at
         FROM write_lock, ROWS FROM (jsonb_to_recordset($3::jsonb) AS (domain text, entity integer, event text, details jsonb, audiences text[], at timestamptz))
              WITH ORDINALITY AS b(domain, entity, event, details, audiences, at, position)
        ORDER BY b.position
       RETURNING seq`,
      [LOCK_NAMESPACE, EVENTS_WRITE_LOCK, json],
    );
    return (JSON.parse(json) as UnnumberedEvent[]).map((event, index) => numbered(event, Number(inserted[index].seq)));
  }

  /** Up to a page of the events after `seq`, in order. */
  async after(seq: number): Promise<StoredEvent[]> {
    const rows = await this.dataSource.query<EventRow[]>(`${SELECT_EVENTS} WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`, [seq]);
    return rows.map(readEvent);
  }

  /** Up to a page of the events in (after, upTo] that the audiences may see and the patterns match, in order. */
  async page(after: number, upTo: number, audiences: readonly string[], patterns: readonly TopicPattern[]): Promise<StoredEvent[]> {
    const all = patterns.includes(ALL_TOPICS);
    const domains = patterns.filter((pattern) => pattern.endsWith(':*')).map((pattern) => pattern.slice(0, -2));
    const exact = patterns.filter((pattern) => !pattern.endsWith('*'));
    const rows = await this.dataSource.query<EventRow[]>(
      `${SELECT_EVENTS}
        WHERE seq > $1 AND seq <= $2 AND audiences && $3::text[]
          AND ($4 OR domain = ANY($5::text[]) OR domain || ':' || event = ANY($6::text[]))
        ORDER BY seq LIMIT ${PAGE}`,
      [after, upTo, audiences, all, domains, exact],
    );
    return rows.map(readEvent);
  }

  async latestSeq(): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ latest: string | null }>>('SELECT max(seq) AS latest FROM events');
    return Number(row.latest ?? 0);
  }

  /** The highest seq pruned, the oldest kept (null when none is) and the highest numbered, kept or pruned. */
  async bounds(): Promise<{ pruned: number; oldest: number | null; latest: number }> {
    const [row] = await this.dataSource.query<Array<{ pruned: string; oldest: string | null; latest: string }>>(
      `SELECT p.through_seq AS pruned, (SELECT min(seq) FROM events) AS oldest,
              GREATEST(p.through_seq, COALESCE((SELECT max(seq) FROM events), 0)) AS latest
         FROM events_pruned p`,
    );
    return { pruned: Number(row.pruned), oldest: row.oldest === null ? null : Number(row.oldest), latest: Number(row.latest) };
  }

  /** Drops events older than `retentionSeconds` or beyond the newest `maxRows`, and records how far. */
  async prune(retentionSeconds: number, maxRows: number): Promise<{ removed: number; throughSeq: number }> {
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
      [retentionSeconds, maxRows],
    );
    return { removed: row.removed, throughSeq: Number(row.through) };
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.dataSource.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }
}
