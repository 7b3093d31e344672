import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeMediaMtx } from './support/fake-mediamtx/index.js';
import { startTestPostgres, type TestPostgres } from './support/postgres.js';
import { startServer, type TestServer } from './support/test-server.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** Polls GET `path` (default /api/health) until `done` accepts the answer, or gives up after `ms`. */
const WARN = 40;

/** The relay's JSON log lines among its output. */
const loggedLines = (output: string[]) =>
  output.flatMap((line) => {
    try {
      return [JSON.parse(line) as { level: number; msg: string }];
    } catch {
      return [];
    }
  });

async function healthUntil(server: TestServer, done: (status: number) => boolean, ms = 20000, path = '/api/health') {
  const deadline = Date.now() + ms;
  for (;;) {
    const answer = await server.http('GET', path);
    if (done(answer.status) || Date.now() > deadline) return answer;
    await sleep(250);
  }
}

// The health probe is what Docker's HEALTHCHECK and load balancers watch: it must say when the
// database is gone. This file stops a PostgreSQL server of its own, not the one shared by the run.
describe('health while the database comes and goes', () => {
  let postgres: TestPostgres;
  let mediamtx: FakeMediaMtx;
  let server: TestServer;

  beforeAll(async () => {
    postgres = await startTestPostgres();
    mediamtx = await FakeMediaMtx.start();
    server = await startServer({ databaseUrl: postgres.adminUrl, env: { MEDIAMTX_API_URL: mediamtx.url } });
  }, 60000);
  afterAll(async () => {
    await server?.stop();
    await mediamtx?.stop();
    await postgres?.destroy();
  });

  const ready = (done: (status: number) => boolean) => healthUntil(server, done, 20000, '/api/health/ready');
  const READY = { status: 'ready', version: VERSION, checks: { database: 'up', migrations: 'applied', backgroundWork: 'running', mediamtx: 'reachable' } };

  it('is ready without a token once the database, the background work and MediaMTX are there; live answers whatever they do', async () => {
    expect(await ready((status) => status === 200)).toMatchObject({ status: 200, body: READY });
    expect(await server.http('GET', '/api/health/live')).toMatchObject({ status: 200, body: { status: 'live', version: VERSION } });
    expect(await server.http('GET', '/api/health/nothing')).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
  }, 30000);

  it('is not ready (503, with the reason) while MediaMTX is down, and ready again once it is back', async () => {
    await mediamtx.stop();
    const down = await ready((status) => status !== 200);
    expect(down.status).toBe(503);
    expect(down.body.error).toMatchObject({ status: 503, code: 'unavailable', message: expect.stringMatching(/^not ready: mediamtx: /), context: { module: 'health', command: 'read' } });
    expect(down.body.error.details).toEqual([{ path: 'mediamtx', message: expect.any(String) }]);
    expect((await server.http('GET', '/api/health/live')).status).toBe(200);
    await mediamtx.start();
    expect(await ready((status) => status === 200)).toMatchObject({ status: 200, body: READY });
  }, 60000);

  it('logs the change of readiness once (not ready, then ready again), not every probe', async () => {
    const from = server.output.length;
    await mediamtx.stop();
    await ready((status) => status !== 200);
    // More probes, as an orchestrator sends them every few seconds.
    for (let probe = 0; probe < 5; probe += 1) expect((await server.http('GET', '/api/health/ready')).status).toBe(503);
    await mediamtx.start();
    await ready((status) => status === 200);
    for (let probe = 0; probe < 3; probe += 1) expect((await server.http('GET', '/api/health/ready')).status).toBe(200);

    const logged = loggedLines(server.output.slice(from));
    expect(logged.filter(({ level, msg }) => level === WARN && /^not ready: mediamtx: /.test(msg))).toHaveLength(1);
    expect(logged.filter(({ level, msg }) => level >= WARN && msg.includes('request failed: not ready'))).toEqual([]);
    expect(logged.filter(({ msg }) => msg === 'ready again')).toHaveLength(1);
  }, 60000);

  it('is not ready (503, with the reason) while the database is down, stays live, and is ready again once it is back', async () => {
    await postgres.stop();
    try {
      const down = await ready((status) => status !== 200);
      expect(down.status).toBe(503);
      expect(down.body.error).toMatchObject({ code: 'unavailable', message: 'not ready: database: the database does not answer' });
      expect(down.body.error.details).toEqual([{ path: 'database', message: 'the database does not answer' }]);
      expect(await server.http('GET', '/api/health/live')).toMatchObject({ status: 200, body: { status: 'live' } });
    } finally {
      await postgres.start();
    }
    expect(await ready((status) => status === 200)).toMatchObject({ status: 200, body: READY });
  }, 60000);

  it('answers 503 unavailable without a token while the database is down, and 200 once it is back; logs the outage once, not every poll', async () => {
    expect(await server.http('GET', '/api/health')).toMatchObject({ status: 200, body: { status: 'ok', version: VERSION, database: 'up' } });
    const from = server.output.length;

    await postgres.stop();
    const down = await healthUntil(server, (status) => status !== 200);
    // More polls, as a monitor sends them.
    for (let poll = 0; poll < 4; poll += 1) expect((await server.http('GET', '/api/health')).status).toBe(503);
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
    const logged = loggedLines(server.output.slice(from));
    expect(logged.filter(({ msg }) => msg === 'unhealthy: database: the database does not answer').map(({ level }) => level)).toEqual([WARN]);
    expect(logged.filter(({ msg }) => msg.startsWith('request failed: the database does not answer'))).toEqual([]);
    expect(logged.filter(({ msg }) => msg === 'healthy again')).toHaveLength(1);
  }, 60000);
});
