import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestPostgres, type TestPostgres } from './support/postgres.js';
import { startServer, type TestServer } from './support/test-server.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** Polls GET /api/health until `done` accepts the answer, or gives up after `ms`. */
async function healthUntil(server: TestServer, done: (status: number) => boolean, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const answer = await server.http('GET', '/api/health');
    if (done(answer.status) || Date.now() > deadline) return answer;
    await sleep(250);
  }
}

// The health probe is what Docker's HEALTHCHECK and load balancers watch: it must say when the
// database is gone. This file stops a PostgreSQL server of its own, not the one shared by the run.
describe('health while the database comes and goes', () => {
  let postgres: TestPostgres;
  let server: TestServer;

  beforeAll(async () => {
    postgres = await startTestPostgres();
    server = await startServer({ databaseUrl: postgres.adminUrl });
  }, 60000);
  afterAll(async () => {
    await server?.stop();
    await postgres?.destroy();
  });

  it('answers 503 unavailable without a token while the database is down, and 200 once it is back', async () => {
    expect(await server.http('GET', '/api/health')).toMatchObject({ status: 200, body: { status: 'ok', version: VERSION, database: 'up' } });

    await postgres.stop();
    const down = await healthUntil(server, (status) => status !== 200);
    expect(down.status).toBe(503);
    expect(down.body).toEqual({
      error: {
        status: 503,
        code: 'unavailable',
        message: 'the database does not answer',
        details: [],
        context: { module: 'health', command: 'list' },
      },
    });

    await postgres.start();
    const up = await healthUntil(server, (status) => status === 200);
    expect(up).toMatchObject({ status: 200, body: { status: 'ok', version: VERSION, database: 'up' } });
  }, 60000);
});
