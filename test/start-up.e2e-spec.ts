import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { record } from './support/events.js';
import { createDatabase } from './support/postgres.js';
import { ADMIN_PASSWORD, MAIN, connectSocket, rpc, startServer, type TestServer } from './support/test-server.js';

const EXAMPLE_FILE = new URL('../.env.example', import.meta.url);
const EXAMPLE = parseEnv(readFileSync(EXAMPLE_FILE, 'utf8'));
const folders: string[] = [];
const folder = (): string => {
  const made = mkdtempSync(join(tmpdir(), 'mtx-relay-start-'));
  folders.push(made);
  return made;
};
afterAll(() => folders.forEach((made) => rmSync(made, { recursive: true, force: true })));

const freshDatabase = () => createDatabase(process.env.TEST_POSTGRES_ADMIN_URL!, `test_${randomBytes(6).toString('hex')}`);

/** Runs dist/main.js in `cwd` with only `env` (and PATH); resolves with its exit code and every line it wrote. */
function runMain(env: Record<string, string>, cwd = folder()): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(process.execPath, [MAIN], { cwd, env: { PATH: process.env.PATH, DATA_DIR: join(cwd, 'data'), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30000);
  return new Promise((resolveRun) =>
    child.once('close', (code) => {
      clearTimeout(killer);
      resolveRun({ code, lines: output.split('\n').filter((line) => line.trim() !== '') });
    }),
  );
}

describe('a start that cannot work stops at once, in one line', () => {
  let holder: Server;
  let takenPort = 0;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolveListen) => holder.listen(0, '127.0.0.1', resolveListen));
    takenPort = (holder.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolveClose) => holder.close(() => resolveClose())));

  it('names a port in use, before it touches the database or makes an admin', async () => {
    const databaseUrl = await freshDatabase();
    const run = await runMain({ PORT: String(takenPort), HOST: '127.0.0.1', DATABASE_URL: databaseUrl });
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([`mtx-relay: port ${takenPort} is in use on 127.0.0.1: set PORT to a free port, or stop what is using it`]);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const tables = await client.query("SELECT count(*)::int AS count FROM information_schema.tables WHERE table_schema = 'public'");
      expect(tables.rows[0].count).toBe(0);
    } finally {
      await client.end();
    }
  });

  it('names a HOST that does not resolve', async () => {
    const run = await runMain({ PORT: '0', HOST: 'not-a-host', DATABASE_URL: await freshDatabase() });
    expect(run.code).toBe(1);
    expect(run.lines).toEqual(['mtx-relay: HOST not-a-host cannot be resolved: set HOST to an address of this machine, or 0.0.0.0 for all of them']);
  });

  it('refuses a placeholder from .env.example as a secret, naming the variable', async () => {
    // Long enough to pass as a JWT secret otherwise.
    const placeholder = EXAMPLE.MEDIAMTX_HOOK_SECRET!;
    expect(placeholder.length).toBeGreaterThanOrEqual(32);
    const run = await runMain({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: await freshDatabase(), ADMIN_PASSWORD, JWT_SECRET: placeholder });
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([expect.stringMatching(/^mtx-relay: invalid configuration: JWT_SECRET is the placeholder from \.env\.example: /)]);
  });

  it('reads .env from its working folder: .env.example copied as it is is refused', async () => {
    const cwd = folder();
    copyFileSync(EXAMPLE_FILE, join(cwd, '.env'));
    const run = await runMain({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: await freshDatabase() }, cwd);
    expect(run.code).toBe(1);
    expect(run.lines[0]).toBe('mtx-relay: invalid configuration:');
    expect(run.lines.slice(1).map((line) => line.split(' ')[3]).sort()).toEqual(['ADMIN_PASSWORD', 'MEDIAMTX_HOOK_SECRET', 'POSTGRES_PASSWORD']);
  });
});

describe('.env', () => {
  let server: TestServer;
  beforeAll(async () => {
    const cwd = folder();
    writeFileSync(join(cwd, '.env'), `MEDIAMTX_RTSP_URL=rtsp://from-dotenv.example:8554\nADMIN_PASSWORD=the-password-in-dotenv\n`);
    server = await startServer({ cwd });
  });
  afterAll(() => server?.stop());

  it('gives the values the environment does not set, and the environment wins', async () => {
    expect(server.output).toContainEqual(expect.stringContaining('"msg":"read settings from .env'));
    // ADMIN_PASSWORD comes from the environment (test-server.ts), not from .env.
    const { bearer } = await server.login('admin', ADMIN_PASSWORD);
    const refused = await server.http('POST', '/api/auth', { body: { username: 'admin', password: 'the-password-in-dotenv' } });
    expect(refused.status).toBe(401);
    const camera = await server.http('POST', '/api/cameras', { token: bearer, body: { name: 'Door', mtx_path: 'door', source_url: 'rtsp://192.0.2.1/door' } });
    expect(camera.status).toBe(201);
    expect(camera.body.urls.rtsp).toBe('rtsp://from-dotenv.example:8554/door');
  });
});

describe('a start that works', () => {
  let server: TestServer;
  const lineOf = (msg: string) => server.output.map((line) => (line.startsWith('{') ? JSON.parse(line) : {})).find((line) => line.msg === msg);
  beforeAll(async () => {
    // MediaMTX's auth callback is taken from 127.0.0.1 here, as from a MediaMTX beside the relay.
    server = await startServer({ env: { HOST: '0.0.0.0', MEDIAMTX_RSTP_URL: 'rtsp://typo.example:8554', MEDIAMTX_AUTH_ALLOW_FROM: '127.0.0.0/8' } });
  });
  afterAll(() => server?.stop());

  it('says where it listens and where the API docs are', () => {
    const { port } = new URL(server.url);
    expect(server.url).toBe(`http://127.0.0.1:${port}`);
    expect(lineOf('listening')).toMatchObject({ level: 30, address: `0.0.0.0:${port}`, url: server.url, docs: `${server.url}/api/docs` });
  });

  it('warns about a variable that looks like a misspelt setting', () => {
    expect(lineOf('MEDIAMTX_RSTP_URL is not a setting of mtx-relay and is ignored: did you mean MEDIAMTX_RTSP_URL?')).toMatchObject({ level: 40 });
  });

  it("logs pino's level numbers on standard output, NestMTX's in the logs module and the log event", async () => {
    const { bearer } = await server.login();
    const listed = await server.http('GET', '/api/logs?limit=10000', { token: bearer });
    expect(listed.body.items.find((item: { msg: string }) => item.msg === 'listening')).toMatchObject({ level: 40 });

    const watcher = record(await connectSocket(server.url, { auth: { token: bearer } }));
    try {
      expect(await rpc(watcher.socket, { module: 'logs', command: 'update', payload: { level: 'info' } })).toEqual({ level: 40 });
      const decision = await server.http('POST', '/api/mediamtx/auth', { body: { action: 'read', path: 'nowhere', protocol: 'rtsp', ip: '127.0.0.1', user: 'nobody', password: 'not-a-password' } });
      // Refused credentials are logged at info (routine answers at debug).
      expect(decision.status).toBe(403);
      const live = await watcher.waitFor(({ event, payload }) => event === 'log' && payload.msg === 'MediaMTX auth decision');
      expect(live.payload.level).toBe(40);
      expect(lineOf('MediaMTX auth decision')).toMatchObject({ level: 30 });
    } finally {
      watcher.socket.close();
    }
  });

  it('sends a browser at / to the web UI', async () => {
    for (const accept of ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', '*/*']) {
      const answer = await fetch(`${server.url}/`, { redirect: 'manual', headers: { accept } });
      expect([answer.status, answer.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      expect(await answer.text()).toMatch(/<script type="module" crossorigin src="\/assets\//);
    }
  });

  it('answers a JSON client at / with the usual 404', async () => {
    const answer = await server.http('GET', '/', { headers: { accept: 'application/json' } });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({ status: 404, code: 'not_found', message: expect.stringContaining('/api/docs') });
  });
});
