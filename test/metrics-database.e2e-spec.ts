import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { METRICS_TOKEN, scrape, valueOf } from './support/metrics.js';
import { startServer, type HttpAnswer, type TestServer } from './support/test-server.js';
import { eventually } from './support/waiting.js';

/** The relay's pool size (`max` in src/database/data-source.ts). */
const POOL_MAX = 20;
/** The advisory lock every event insert takes (src/events/event-store.ts). */
const EVENT_INSERT_LOCK = [0x6d747872, 2];

describe('database metrics', () => {
  let server: TestServer;
  let admin = '';
  let database: pg.Client;

  beforeAll(async () => {
    // PostgreSQL cancels a statement after 3.6 s (DATABASE_QUERY_TIMEOUT less a tenth).
    server = await startServer({ env: { METRICS_TOKEN, DATABASE_QUERY_TIMEOUT: '4' } });
    admin = (await server.login()).bearer;
    database = new pg.Client({ connectionString: server.databaseUrl });
    await database.connect();
  }, 60000);
  afterAll(async () => {
    await database?.end();
    await server?.stop();
  });

  /** Runs `work` while this test holds `lock` in a transaction of its own, which then ends. */
  async function holding<T>(lock: { sql: string; values?: unknown[] }, work: () => Promise<T>): Promise<T> {
    await database.query('BEGIN');
    try {
      await database.query(lock.sql, lock.values);
      return await work();
    } finally {
      await database.query('COMMIT');
    }
  }
  const camerasTable = { sql: 'LOCK TABLE cameras IN ACCESS EXCLUSIVE MODE' };
  const eventInserts = { sql: 'SELECT pg_advisory_xact_lock($1, $2)', values: EVENT_INSERT_LOCK };
  const inUse = (text: string) => valueOf(text, 'mtx_relay_db_pool_connections', { state: 'in_use' });
  const waiting = (text: string) => valueOf(text, 'mtx_relay_db_pool_waiting');

  it('shows the pool connections in use and the queries waiting for one, and both going back down', async () => {
    const calm = await scrape(server);
    expect(waiting(calm)).toBe(0);
    expect(inUse(calm)).toBeLessThan(POOL_MAX);

    // More reads of a locked table than the pool has connections: every connection waits on the lock.
    let reads: Promise<HttpAnswer[]> | undefined;
    const busy = await holding(camerasTable, async () => {
      reads = Promise.all(Array.from({ length: POOL_MAX + 5 }, () => server.http('GET', '/api/cameras', { token: admin })));
      return eventually(() => scrape(server), (text) => inUse(text) === POOL_MAX && waiting(text) > 0, 10000);
    });
    expect(inUse(busy)).toBe(POOL_MAX);
    expect(waiting(busy)).toBeGreaterThan(0);
    await reads;
    await eventually(() => scrape(server), (text) => waiting(text) === 0 && inUse(text) < POOL_MAX);
  }, 60000);

  it('counts statements that timed out, by where they ran: a request and an event insert', async () => {
    const before = await scrape(server);
    const moved = (text: string, where: string) => valueOf(text, 'mtx_relay_db_statement_timeouts_total', { where }) - valueOf(before, 'mtx_relay_db_statement_timeouts_total', { where });

    const read = await holding(camerasTable, () => server.http('GET', '/api/cameras', { token: admin }));
    expect({ status: read.status, code: read.body?.error?.code }).toEqual({ status: 503, code: 'unavailable' });

    // The broadcast is answered; its events are delivered without seq once their insert times out.
    const after = await holding(eventInserts, async () => {
      expect((await server.http('POST', '/api/messages', { token: admin, body: { message: 'held back' } })).status).toBeLessThan(300);
      return eventually(() => scrape(server), (text) => moved(text, 'events') >= 1, 15000);
    });
    expect(moved(after, 'request')).toBe(1);
    // The broadcast and its audit:created may go in one insert or two.
    expect(moved(after, 'events')).toBeGreaterThanOrEqual(1);
  }, 60000);
});
