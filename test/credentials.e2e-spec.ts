import { spawn } from 'node:child_process';
import { createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { ADMIN_PASSWORD, connectSocket, MAIN, startServer, type TestServer } from './support/test-server.js';
import { errorShape, send, type Caller, type Transport, type WireAnswer, type WireRequest } from './support/wire.js';

const DIST = dirname(MAIN);
const NOT_VALID = 'the request is not valid';
const ADMIN_ONLY = 'this needs an admin';
const USER_PASSWORD = 'a-user-password-1';
const SECRET_FIELDS = ['password_enc', 'token_enc', 'client_secret_enc', 'refresh_token_enc', 'access_token_enc'] as const;
const INTEGRITY = 'a stored secret failed its integrity check: it was altered or belongs to another record';

const run = randomBytes(4).toString('hex');
/** Every plaintext secret sent during this file, refused ones included; none may ever come back. */
const SECRETS: string[] = [];
const secret = (label: string): string => {
  const value = `plain-${label}-${run}-${randomBytes(6).toString('hex')}`;
  SECRETS.push(value);
  return value;
};

/** The raw text of every HTTP answer and socket event of this file, and what the CLI printed. */
const seen: string[] = [];
const servers: TestServer[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'mtx-relay-credentials-'));
/** The first server's DATA_DIR, kept across its restart so its key file can be read. */
const dataDir = join(scratch, 'data');
let server: TestServer;
let databaseUrl = '';

/** Starts a server whose every HTTP answer is recorded. */
async function start(env: Record<string, string>, database?: string): Promise<TestServer> {
  const started = await startServer({ env, databaseUrl: database });
  const http = started.http.bind(started);
  started.http = async (...args: Parameters<TestServer['http']>) => {
    const answer = await http(...args);
    seen.push(answer.text);
    return answer;
  };
  servers.push(started);
  return started;
}

/** Logs in over recorded HTTP and opens a recorded socket. */
async function signIn(username = 'admin', password = ADMIN_PASSWORD): Promise<Caller & { userId: number }> {
  const answer = await server.http('POST', '/api/auth', { body: { username, password } });
  expect(answer.status).toBe(200);
  const socket = await connectSocket(server.url, { auth: { token: answer.body.bearer } });
  socket.onAny((event: string, ...args: unknown[]) => seen.push(`${event} ${JSON.stringify(args)}`));
  return { token: answer.body.bearer, socket, userId: answer.body.user.id };
}

async function query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Every stored row of every table, as text. */
async function databaseText(): Promise<string> {
  const tables = await query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
  const dumps = await Promise.all(tables.map(({ table_name }) => query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`)));
  return dumps.flat().map(({ row }) => row).join('\n');
}

type StoredSecrets = Record<number, Record<(typeof SECRET_FIELDS)[number], string | null>>;
async function storedSecrets(): Promise<StoredSecrets> {
  const rows = await query(`SELECT id, ${SECRET_FIELDS.join(', ')} FROM credentials ORDER BY id`);
  return Object.fromEntries(rows.map(({ id, ...fields }) => [id, fields]));
}
const storedValues = (stored: StoredSecrets): string[] => Object.values(stored).flatMap((row) => Object.values(row).filter((value): value is string => value !== null));

/** Runs `npm run secrets:reencrypt` (its script) with the server's environment. */
function reencrypt(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(DIST, 'cli/reencrypt-secrets.js')], {
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, LOG_LEVEL: 'debug', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      seen.push(stdout, stderr);
      resolveRun({ code, stdout, stderr });
    });
  });
}

const keyId = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 12);

/**
 * A view without where an oauth2 credential's token refresh stands: the relay tries its token URL
 * (which does not resolve here) in the background, so those fields move on their own.
 */
function withoutRefreshState<T>(body: T): T {
  const strip = (view: Record<string, unknown>) => {
    if (view.kind !== 'oauth2') return view;
    const { auth_state: _state, auth_error: _error, next_refresh_at: _next, ...rest } = view;
    return rest;
  };
  const value = body as { items?: unknown[] } & Record<string, unknown>;
  if (Array.isArray(value?.items)) return { ...value, items: value.items.map((item) => strip(item as Record<string, unknown>)) } as T;
  return (typeof value?.kind === 'string' ? strip(value) : body) as T;
}

/** Decrypts a stored value the way the documented format says: v1:<keyId>:<iv>:<tag>:<ct>, AAD credentials:<id>:<field>. */
function open(stored: string, key: Buffer, id: number, field: string): string {
  const [format, , iv, tag, ciphertext] = stored.split(':');
  expect(format).toBe('v1');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAAD(Buffer.from(`credentials:${id}:${field}`));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
}

/** Changes the first character of the ciphertext part, which changes its first byte. */
function tamper(stored: string): string {
  const parts = stored.split(':');
  parts[4] = (parts[4][0] === 'A' ? 'B' : 'A') + parts[4].slice(1);
  return parts.join(':');
}

beforeAll(async () => {
  // No SECRETS_KEY: the server makes a key file under DATA_DIR, as on a fresh install.
  server = await start({ DATA_DIR: dataDir });
  databaseUrl = server.databaseUrl;
});
afterAll(async () => {
  for (const started of servers) await started.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Plaintexts of what each transport stored, by credential id and field, checked after re-encryption. */
const plaintexts: Record<number, Record<string, string>> = {};

describe.each<Transport>(['rest', 'socket'])('credentials over %s', (transport) => {
  const prefix = `${transport}-`;
  let admin: Caller;
  let user: Caller;
  const views: Record<string, Record<string, any>> = {};

  const call = async (caller: Caller, command: string, entity?: string | number, payload?: Record<string, unknown>, module = 'credentials') => {
    const request: WireRequest = { module, command, entity, payload };
    const answer = await send(server, transport, caller, request);
    return { ...answer, body: withoutRefreshState(answer.body), full: answer.body, request };
  };
  const expectOk = (answer: WireAnswer, status = 200) => {
    expect(answer.body?.error).toBeUndefined();
    if (transport === 'rest') expect(answer.status).toBe(status);
  };
  const expectError = (answer: WireAnswer & { request: WireRequest }, status: number, code: string, message: string, details: unknown[] = []) => {
    expect(answer.body).toEqual(errorShape(answer, answer.request, status, code, message, details));
    expect(answer.status).toBe(status);
  };
  const stamps = { id: expect.any(Number), created_at: expect.stringMatching(/^\d{4}-/), updated_at: expect.stringMatching(/^\d{4}-/) };

  beforeAll(async () => {
    admin = await signIn();
    const created = await server.http('POST', '/api/users', { token: admin.token, body: { username: `${prefix}user`, password: USER_PASSWORD } });
    expect(created.status).toBe(201);
    user = await signIn(`${prefix}user`, USER_PASSWORD);
  });
  afterAll(() => {
    admin.socket?.close();
    user.socket?.close();
  });

  it('creates a credential of each kind; secret fields show only as <field>_set', async () => {
    const basicPassword = secret(`${prefix}basic-password`);
    const basic = await call(admin, 'create', undefined, { kind: 'basic', description: `${prefix}NVR login`, username: 'viewer', password: basicPassword });
    expectOk(basic, 201);
    expect(basic.body).toEqual({ ...stamps, kind: 'basic', description: `${prefix}NVR login`, username: 'viewer', password_set: true });
    views.basic = basic.body;
    plaintexts[basic.body.id] = { password_enc: basicPassword };

    // The same password again is stored as a different ciphertext.
    const twin = await call(admin, 'create', undefined, { kind: 'basic', description: `${prefix}twin`, username: 'viewer', password: basicPassword });
    expectOk(twin, 201);
    views.twin = twin.body;
    plaintexts[twin.body.id] = { password_enc: basicPassword };

    const tokenValue = secret(`${prefix}token`);
    const token = await call(admin, 'create', undefined, { kind: 'token', token: tokenValue });
    expectOk(token, 201);
    expect(token.body).toEqual({ ...stamps, kind: 'token', description: '', token_set: true });
    views.token = token.body;
    plaintexts[token.body.id] = { token_enc: tokenValue };

    const clientSecret = secret(`${prefix}client-secret`);
    const refreshToken = secret(`${prefix}refresh-token`);
    const oauth2 = await call(admin, 'create', undefined, {
      kind: 'oauth2',
      description: `${prefix}cloud`,
      client_id: 'relay-client',
      client_secret: clientSecret,
      token_url: 'https://idp.example.test/oauth/token',
      refresh_token: refreshToken,
    });
    expectOk(oauth2, 201);
    expect(oauth2.full).toEqual({
      ...stamps,
      kind: 'oauth2',
      description: `${prefix}cloud`,
      client_id: 'relay-client',
      token_url: 'https://idp.example.test/oauth/token',
      scope: null,
      token_auth_method: 'client_secret_basic',
      client_secret_set: true,
      refresh_token_set: true,
      access_token_set: false,
      access_token_expires_at: null,
      auth_state: 'pending',
      auth_error: null,
      next_refresh_at: expect.stringMatching(/^\d{4}-/),
      last_refresh_at: null,
    });
    views.oauth2 = oauth2.body;
    plaintexts[oauth2.body.id] = { client_secret_enc: clientSecret, refresh_token_enc: refreshToken };
  });

  it('reads and lists credentials as created', async () => {
    for (const view of Object.values(views)) {
      const answer = await call(admin, 'read', view.id);
      expectOk(answer);
      expect(answer.body).toEqual(view);
    }
    const list = await call(admin, 'list', undefined, { search: prefix, sortBy: '-id' });
    expectOk(list);
    expect(list.body).toEqual({ items: [views.oauth2, views.twin, views.basic], total: 3, page: 1, itemsPerPage: 10 });
    const byKind = await call(admin, 'list', undefined, { sortBy: 'kind', itemsPerPage: 100 });
    expect(byKind.body.items.map((item: { kind: string }) => item.kind)).toEqual([...byKind.body.items.map((item: { kind: string }) => item.kind)].sort());
    expectError(await call(admin, 'read', 999999), 404, 'not_found', 'credential 999999 not found');
    expectError(await call(admin, 'read', 'x1'), 400, 'validation_failed', NOT_VALID, [{ path: 'entity', message: 'must be a credential id (a positive whole number)' }]);
    expectError(await call(admin, 'list', undefined, { sortBy: 'password' }), 400, 'validation_failed', NOT_VALID, [
      { path: 'payload.sortBy', message: 'must be one of: id, -id, description, -description, kind, -kind, created_at, -created_at, updated_at, -updated_at' },
    ]);
  });

  it('updates the fields of the credential’s own kind; a new secret is stored, still write-only', async () => {
    const password = secret(`${prefix}new-password`);
    const basic = await call(admin, 'update', views.basic.id, { username: 'operator', password });
    expectOk(basic);
    expect(basic.body).toEqual({ ...views.basic, username: 'operator', updated_at: expect.any(String) });
    plaintexts[views.basic.id] = { password_enc: password };
    views.basic = basic.body;

    const tokenValue = secret(`${prefix}new-token`);
    const token = await call(admin, 'update', views.token.id, { token: tokenValue, description: `${prefix}api token`, kind: 'token' });
    expectOk(token);
    expect(token.body).toEqual({ ...views.token, description: `${prefix}api token`, updated_at: expect.any(String) });
    plaintexts[views.token.id] = { token_enc: tokenValue };
    views.token = token.body;

    const oauth2 = await call(admin, 'update', views.oauth2.id, { scope: 'cameras:read', token_url: 'http://idp.example.test/token' });
    expectOk(oauth2);
    expect(oauth2.body).toEqual({ ...views.oauth2, scope: 'cameras:read', token_url: 'http://idp.example.test/token', updated_at: expect.any(String) });
    const unscoped = await call(admin, 'update', views.oauth2.id, { scope: null });
    expect(unscoped.body).toEqual({ ...oauth2.body, scope: null, updated_at: expect.any(String) });
    const posted = await call(admin, 'update', views.oauth2.id, { token_auth_method: 'client_secret_post' });
    expect(posted.body).toEqual({ ...unscoped.body, token_auth_method: 'client_secret_post', updated_at: expect.any(String) });
    views.oauth2 = posted.body;

    for (const view of Object.values(views)) expect((await call(admin, 'read', view.id)).body).toEqual(view);
  });

  it('refuses to change the kind, or fields of another kind', async () => {
    expectError(await call(admin, 'update', views.basic.id, { kind: 'token', token: secret(`${prefix}kind-change`) }), 400, 'validation_failed', NOT_VALID, [
      { path: 'payload.kind', message: 'cannot change from basic; create a new credential instead' },
      { path: 'payload.token', message: 'does not apply to a basic credential' },
    ]);
    expectError(await call(admin, 'update', views.basic.id, { client_secret: secret(`${prefix}foreign`) }), 400, 'validation_failed', NOT_VALID, [
      { path: 'payload.client_secret', message: 'does not apply to a basic credential' },
    ]);
    expectError(await call(admin, 'update', views.token.id, { username: 'someone', password: secret(`${prefix}foreign`) }), 400, 'validation_failed', NOT_VALID, [
      { path: 'payload.username', message: 'does not apply to a token credential' },
      { path: 'payload.password', message: 'does not apply to a token credential' },
    ]);
    expectError(await call(admin, 'update', views.oauth2.id, { token: secret(`${prefix}foreign`), kind: 'basic' }), 400, 'validation_failed', NOT_VALID, [
      { path: 'payload.kind', message: 'cannot change from oauth2; create a new credential instead' },
      { path: 'payload.token', message: 'does not apply to a oauth2 credential' },
    ]);
    expectError(await call(admin, 'create', undefined, { kind: 'token', token: secret(`${prefix}t`), password: secret(`${prefix}p`) }), 400, 'validation_failed', NOT_VALID, [
      { path: 'payload', message: 'Unrecognized key: "password"' },
    ]);
    expectError(await call(admin, 'create', undefined, { kind: 'basic', username: 'u', password: secret(`${prefix}p`), refresh_token: secret(`${prefix}r`) }), 400, 'validation_failed', NOT_VALID, [
      { path: 'payload', message: 'Unrecognized key: "refresh_token"' },
    ]);
    expectError(await call(admin, 'update', views.basic.id, { token_auth_method: 'client_secret_post' }), 400, 'validation_failed', NOT_VALID, [
      { path: 'payload.token_auth_method', message: 'does not apply to a basic credential' },
    ]);
    expectError(await call(admin, 'update', views.oauth2.id, { token_auth_method: 'private_key_jwt' }), 400, 'validation_failed', NOT_VALID, [
      { path: 'payload.token_auth_method', message: 'Invalid option: expected one of "client_secret_basic"|"client_secret_post"' },
    ]);
    expectError(await call(admin, 'update', views.basic.id, { secret: secret(`${prefix}unknown-field`) }), 400, 'validation_failed', NOT_VALID, [
      { path: 'payload', message: 'Unrecognized key: "secret"' },
      { path: 'payload', message: 'name at least one field to change' },
    ]);
    for (const view of Object.values(views)) expect((await call(admin, 'read', view.id)).body).toEqual(view);
  });

  it('refuses invalid credentials with validation_failed, never echoing a secret', async () => {
    const kindMessage = [{ path: 'payload.kind', message: 'kind must be one of: basic, token, oauth2' }];
    expectError(await call(admin, 'create', undefined, { kind: 'ntlm', password: secret(`${prefix}p`) }), 400, 'validation_failed', NOT_VALID, kindMessage);
    expectError(await call(admin, 'create', undefined, { password: secret(`${prefix}p`) }), 400, 'validation_failed', NOT_VALID, kindMessage);
    expectError(await call(admin, 'create', undefined, { kind: 'basic', username: '', password: '' }), 400, 'validation_failed', NOT_VALID, [
      { path: 'payload.username', message: 'must not be empty' },
      { path: 'payload.password', message: 'must not be empty' },
    ]);
    expectError(await call(admin, 'create', undefined, { kind: 'token', token: secret(`${prefix}long`).repeat(200) }), 400, 'validation_failed', NOT_VALID, [
      { path: 'payload.token', message: 'Too big: expected string to have <=4096 characters' },
    ]);
    expectError(
      await call(admin, 'create', undefined, { kind: 'oauth2', client_id: 'c', client_secret: secret(`${prefix}cs`), token_url: 'ftp://idp.example.test/token', refresh_token: secret(`${prefix}rt`) }),
      400,
      'validation_failed',
      NOT_VALID,
      [{ path: 'payload.token_url', message: 'must be an http:// or https:// URL' }],
    );
    expectError(await call(admin, 'update', views.oauth2.id, { token_url: `https://relay:${secret(`${prefix}url`)}@idp.example.test/token` }), 400, 'validation_failed', NOT_VALID, [
      { path: 'payload.token_url', message: 'must not contain a user name or password: the client authenticates with client_id and client_secret' },
    ]);
    expectError(await call(admin, 'update', views.basic.id, {}), 400, 'validation_failed', NOT_VALID, [{ path: 'payload', message: 'name at least one field to change' }]);
    expectError(await call(admin, 'update', 999999, { description: 'ghost' }), 404, 'not_found', 'credential 999999 not found');
    // A URL with a password in it is refused without repeating it.
    expectError(
      await call(admin, 'create', undefined, { name: 'leaky', mtx_path: `${prefix}leaky`, source_url: `rtsp://admin:${secret(`${prefix}url`)}@192.0.2.1/x` }, 'cameras'),
      400,
      'validation_failed',
      NOT_VALID,
      [{ path: 'payload.source_url', message: 'must not contain a user name or password: set credential_id instead' }],
    );
  });

  it('is for admins only: a user gets forbidden on every command', async () => {
    expectError(await call(user, 'list'), 403, 'forbidden', ADMIN_ONLY);
    expectError(await call(user, 'read', views.basic.id), 403, 'forbidden', ADMIN_ONLY);
    expectError(await call(user, 'create', undefined, { kind: 'token', token: secret(`${prefix}user`) }), 403, 'forbidden', ADMIN_ONLY);
    expectError(await call(user, 'update', views.basic.id, { password: secret(`${prefix}user`) }), 403, 'forbidden', ADMIN_ONLY);
    expectError(await call(user, 'delete', views.basic.id), 403, 'forbidden', ADMIN_ONLY);
    expect((await call(admin, 'read', views.basic.id)).body).toEqual(views.basic);
  });

  it('refuses to delete a credential that cameras use with 409 conflict naming them; deletes it once unused', async () => {
    const id = views.twin.id;
    const used: Array<{ id: number; name: string }> = [];
    for (const name of [`${prefix}Gate`, `${prefix}Drive way`]) {
      const camera = await call(admin, 'create', undefined, { name, mtx_path: `${prefix}${used.length}`, source_url: 'rtsp://192.0.2.30/x', credential_id: id }, 'cameras');
      expectOk(camera, 201);
      used.push(camera.body);
    }
    const names = used.map((camera) => `${camera.name} (camera ${camera.id})`);
    expectError(await call(admin, 'delete', id), 409, 'conflict', `credential ${id} is used by: ${names.join(', ')}`, names.map((message) => ({ path: 'cameras', message })));
    expect((await call(admin, 'read', id)).body).toEqual(views.twin);

    expectOk(await call(admin, 'update', used[0].id, { credential_id: null }, 'cameras'));
    expectError(await call(admin, 'delete', id), 409, 'conflict', `credential ${id} is used by: ${names[1]}`, [{ path: 'cameras', message: names[1] }]);
    expectOk(await call(admin, 'delete', used[1].id, undefined, 'cameras'));

    const deleted = await call(admin, 'delete', id);
    expectOk(deleted);
    expect(deleted.body).toEqual({ id, deleted: true });
    delete plaintexts[id];
    expectError(await call(admin, 'read', id), 404, 'not_found', `credential ${id} not found`);
    expectError(await call(admin, 'delete', id), 404, 'not_found', `credential ${id} not found`);
    expect((await query('SELECT id FROM credentials WHERE id = $1', [id])).length).toBe(0);
  });
});

describe('secrets at rest', () => {
  it('are stored only as v1:<keyId>:<iv>:<tag>:<ciphertext> under the key file’s key, each with its own IV', async () => {
    const key = Buffer.from(readFileSync(join(dataDir, 'secrets.key'), 'utf8').trim(), 'base64');
    expect(key.length).toBe(32);
    const stored = await storedSecrets();
    const values = storedValues(stored);
    expect(values.length).toBe(Object.values(plaintexts).flatMap((fields) => Object.keys(fields)).length);
    for (const value of values) expect(value).toMatch(new RegExp(`^v1:${keyId(key)}:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]{22}==:[A-Za-z0-9+/]+=*$`));
    expect(new Set(values.map((value) => value.split(':')[2])).size).toBe(values.length);
    // Each value opens with the key under its own row and field, to the secret last written there.
    for (const [id, fields] of Object.entries(plaintexts)) {
      for (const [column, plaintext] of Object.entries(fields)) {
        expect(open(stored[Number(id)][column as keyof StoredSecrets[number]]!, key, Number(id), column.replace(/_enc$/, ''))).toBe(plaintext);
      }
    }
  });

  it('no table holds a plaintext secret', async () => {
    const text = await databaseText();
    expect(text).toContain('v1:');
    for (const value of SECRETS) expect(text).not.toContain(value);
  });
});

describe('a key change', () => {
  const newKey = randomBytes(32);
  let fileKey: Buffer;
  let before: StoredSecrets;
  let admin: Caller;
  /** The CLI's environment: a DATA_DIR without a key file, the new key, the old one as SECRETS_OLD_KEYS. */
  const cliEnv = () => ({ DATA_DIR: mkdtempSync(join(scratch, 'cli-')), SECRETS_KEY: newKey.toString('hex'), SECRETS_OLD_KEYS: fileKey.toString('base64') });

  beforeAll(async () => {
    fileKey = Buffer.from(readFileSync(join(dataDir, 'secrets.key'), 'utf8').trim(), 'base64');
    admin = await signIn();
    const views = (await server.http('GET', '/api/credentials?itemsPerPage=100', { token: admin.token })).body.items.map(withoutRefreshState);
    admin.socket?.close();
    await server.stop();
    // The new key from SECRETS_KEY; the old one only in SECRETS_OLD_KEYS (a fresh DATA_DIR has no key file).
    server = await start({ SECRETS_KEY: newKey.toString('hex'), SECRETS_OLD_KEYS: fileKey.toString('base64') }, databaseUrl);
    admin = await signIn();
    expect((await server.http('GET', '/api/credentials?itemsPerPage=100', { token: admin.token })).body.items.map(withoutRefreshState)).toEqual(views);
    before = await storedSecrets();
  });
  afterAll(() => {
    admin.socket?.close();
  });

  /** The stored values still under the old key, each with its row and column. */
  const underOldKey = () =>
    Object.entries(before).flatMap(([id, fields]) =>
      Object.entries(fields)
        .filter(([, value]) => value?.startsWith(`v1:${keyId(fileKey)}:`))
        .map(([column, value]) => ({ id: Number(id), column, value: value! })),
    );

  it('old rows still read after a restart with the new key, and new secrets are stored under the new key', async () => {
    for (const id of Object.keys(plaintexts)) {
      const answer = await server.http('GET', `/api/credentials/${id}`, { token: admin.token });
      expect(answer.status).toBe(200);
      expect(Object.entries(answer.body).filter(([field]) => field.endsWith('_set') && field !== 'access_token_set')).toEqual(
        Object.keys(plaintexts[Number(id)]).map((column) => [column.replace(/_enc$/, '_set'), true]),
      );
    }
    const tokenValue = secret('after-key-change');
    const created = await server.http('POST', '/api/credentials', { token: admin.token, body: { kind: 'token', token: tokenValue, description: 'after the key change' } });
    expect(created.status).toBe(201);
    plaintexts[created.body.id] = { token_enc: tokenValue };
    const stored = await storedSecrets();
    expect(stored[created.body.id].token_enc).toMatch(new RegExp(`^v1:${keyId(newKey)}:`));
    expect(open(stored[created.body.id].token_enc!, newKey, created.body.id, 'token')).toBe(tokenValue);
    before = stored;
  });

  it('the re-encrypt command refuses a tampered ciphertext with a clear error and changes nothing', async () => {
    // The last value read is tampered first: the values re-encrypted before it must be rolled back.
    const old = underOldKey();
    for (const target of [old.at(-1)!, old[0]]) {
      await query(`UPDATE credentials SET ${target.column} = $1 WHERE id = $2`, [tamper(target.value), target.id]);
      const result = await reencrypt(cliEnv());
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`mtx-relay secrets:reencrypt: ${INTEGRITY}`);
      expect(result.stdout).toBe('');
      await query(`UPDATE credentials SET ${target.column} = $1 WHERE id = $2`, [target.value, target.id]);
    }
    expect(await storedSecrets()).toEqual(before);
  });

  it('the re-encrypt command refuses a ciphertext copied into another row or field', async () => {
    const old = underOldKey();
    const [first, second] = old.filter((entry) => entry.column === 'password_enc');
    const other = old.find((entry) => entry.column !== 'password_enc');
    for (const [target, source] of [
      [first, second], // the same field of another row
      [first, other!], // another field of another row
    ] as const) {
      await query(`UPDATE credentials SET ${target.column} = $1 WHERE id = $2`, [source.value, target.id]);
      const result = await reencrypt(cliEnv());
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`mtx-relay secrets:reencrypt: ${INTEGRITY}`);
      await query(`UPDATE credentials SET ${target.column} = $1 WHERE id = $2`, [target.value, target.id]);
    }
    expect(await storedSecrets()).toEqual(before);
  });

  it('the re-encrypt command names an old key that is not configured', async () => {
    const result = await reencrypt({ ...cliEnv(), SECRETS_OLD_KEYS: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `mtx-relay secrets:reencrypt: a stored secret is encrypted with key ${keyId(fileKey)}, which is not configured (SECRETS_KEY / SECRETS_OLD_KEYS)`,
    );
    expect(await storedSecrets()).toEqual(before);
  });

  it('a server started without the old key warns that some secrets cannot be read', async () => {
    const lost = await start({ SECRETS_KEY: newKey.toString('hex') }, databaseUrl);
    const warning = lost.output.find((line) => line.includes('use keys that are not configured'));
    expect(warning && JSON.parse(warning).keyIds).toEqual([keyId(fileKey)]);
    await lost.stop();
  });

  it('the re-encrypt command moves every value to the new key; a second run has nothing to do', async () => {
    const old = underOldKey().length;
    expect(old).toBeGreaterThan(4);
    // The old key file left in DATA_DIR counts as an old key too.
    const result = await reencrypt({ DATA_DIR: dataDir, SECRETS_KEY: newKey.toString('hex') });
    expect(result).toEqual({ code: 0, stdout: `re-encrypted ${old} secret value(s) under key ${keyId(newKey)}\n`, stderr: expect.any(String) });

    const after = await storedSecrets();
    const values = storedValues(after);
    expect(values.length).toBe(storedValues(before).length);
    for (const value of values) expect(value).toMatch(new RegExp(`^v1:${keyId(newKey)}:`));
    for (const [id, fields] of Object.entries(plaintexts)) {
      for (const [column, plaintext] of Object.entries(fields)) {
        expect(open(after[Number(id)][column as keyof StoredSecrets[number]]!, newKey, Number(id), column.replace(/_enc$/, ''))).toBe(plaintext);
      }
    }

    const again = await reencrypt({ ...cliEnv(), SECRETS_OLD_KEYS: '' });
    expect(again).toEqual({ code: 0, stdout: `re-encrypted 0 secret value(s) under key ${keyId(newKey)}\n`, stderr: expect.any(String) });
    expect(await storedSecrets()).toEqual(after);

    // The API still shows every secret as set.
    for (const id of Object.keys(plaintexts)) {
      const answer = await server.http('GET', `/api/credentials/${id}`, { token: admin.token });
      expect(Object.entries(answer.body).filter(([field, set]) => field.endsWith('_set') && set === true).length).toBe(Object.keys(plaintexts[Number(id)]).length);
    }
  });
});

describe('nothing leaks', () => {
  it('no HTTP answer, socket event, log line, CLI output or table holds a plaintext secret', async () => {
    const output = servers.flatMap((started) => started.output);
    expect(seen.length).toBeGreaterThan(80);
    expect(seen.some((text) => text.includes('credentials:created'))).toBe(true);
    expect(output.length).toBeGreaterThan(10);
    const everything = [...seen, ...output, await databaseText()].join('\n');
    expect(SECRETS.length).toBeGreaterThan(30);
    for (const value of SECRETS) expect(everything).not.toContain(value);
    // Nor a secret's base64, in case something dumped a buffer.
    for (const value of SECRETS) expect(everything).not.toContain(Buffer.from(value).toString('base64').slice(0, 24));
  });
});
