import type pg from 'pg';
import type { Logger } from 'pino';

/**
 * pg-pool listens for errors on a connection only while it sits idle in the pool, and TypeORM
 * adds its own listener only once the promise of the connection settles. A PostgreSQL that dies
 * just as it accepts a new connection (killed, restarted) sends its ReadyForQuery and its FATAL
 * "unexpected postmaster exit" together: pg reads both at once, the pool hands the connection out
 * on the first, and the second is an 'error' event with no listener, which ends the process. So
 * each connection gets a listener of its own the first time the pool hands it out: its holder's
 * query then fails (unavailable), and the pool drops it when it comes back.
 */
export function survivePoolConnectionErrors(pool: pg.Pool, logger: Logger): void {
  const guarded = new WeakSet<pg.PoolClient>();
  // 'acquire' comes before pg-pool takes its idle listener off: no moment without one.
  pool.on('acquire', (client) => {
    if (guarded.has(client)) return;
    guarded.add(client);
    client.on('error', (error) => logger.debug({ error: error.message }, 'a database connection was lost'));
  });
}
