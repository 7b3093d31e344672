import pg from 'pg';
import type { Logger } from 'pino';

/** How long a pooled connection may be out before the watch asks whether the server still answers. */
const SLOW_MS = 1000;
const CHECK_EVERY_MS = 250;

/** pg-pool and pg itself close a connection this way when it times out; there is no public call for it. */
const closeAtOnce = (client: pg.Client): void => (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();

/** Whether the server answers a new connection and `SELECT 1` within `timeoutMs`; an error it sends back is an answer. */
async function serverAnswers(url: string, timeoutMs: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, application_name: 'mtx-relay probe' });
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const attempt = client
    .connect()
    .then(() => client.query('SELECT 1'))
    .then(
      () => true,
      // Refused with a reason (too many connections, shutting down): the server is alive.
      (error: unknown) => error instanceof pg.DatabaseError,
    );
  const answered = await Promise.race([attempt, silence]);
  clearTimeout(timer);
  if (answered) void client.end().catch(() => undefined);
  else closeAtOnce(client);
  return answered;
}

/**
 * Notices a database server that stopped answering without closing its connections (a frozen
 * process, a network that drops packets): a query on an open connection would wait out the whole
 * DATABASE_QUERY_TIMEOUT. When a pooled connection has been out for a while, a fresh connection is
 * tried; when that gets no answer within `timeoutMs` either, every pooled connection is closed, so
 * the requests waiting on them fail now (503 unavailable) and later ones open new connections.
 * Returns the function that stops the watch.
 */
export function watchForStalls(pool: pg.Pool, url: string, timeoutMs: number, logger: Logger): () => void {
  const clients = new Set<pg.PoolClient>();
  const outSince = new Map<pg.PoolClient, number>();
  pool.on('connect', (client) => clients.add(client));
  pool.on('acquire', (client) => {
    clients.add(client);
    outSince.set(client, Date.now());
  });
  pool.on('release', (_error, client) => outSince.delete(client));
  pool.on('remove', (client) => {
    clients.delete(client);
    outSince.delete(client);
  });

  let probing = false;
  let lastProbe = 0;
  const check = async (): Promise<void> => {
    const now = Date.now();
    if (probing || now - lastProbe < SLOW_MS || ![...outSince.values()].some((since) => now - since >= SLOW_MS)) return;
    probing = true;
    try {
      if (await serverAnswers(url, timeoutMs)) return;
      logger.warn({ connections: clients.size }, 'the database does not answer; closing its connections so that waiting requests fail now');
      for (const client of clients) closeAtOnce(client);
    } finally {
      lastProbe = Date.now();
      probing = false;
    }
  };
  const timer = setInterval(() => void check(), CHECK_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
