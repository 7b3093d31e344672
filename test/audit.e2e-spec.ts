import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { record as recordEvents } from './support/events.js';
import { connectSocket, rpc, startServer, type TestServer } from './support/test-server.js';
import { eventually } from './support/waiting.js';
import { send, type Caller, type Transport, type WireRequest } from './support/wire.js';

/**
 * The commands that change nothing stored: every other command of the table must leave exactly
 * one audit record. A command added to the table is in neither list until someone says which.
 */
const CHANGES_NOTHING = new Set([
  'audit.list',
  // Moves the live socket onto a fresh access token; nothing stored changes.
  'auth.update',
  'cameras.list',
  'cameras.read',
  'credentials.list',
  'credentials.read',
  'health.list',
  'health.read',
  'logs.list',
  'logs.update',
  'logs.delete',
  'subscriptions.list',
  'subscriptions.create',
  'subscriptions.delete',
  'system.read',
  'tokens.list',
  'tokens.read',
  'users.list',
  'users.read',
]);

const SECRET_VALUES = ['audited-password-1', 'camera-secret-1', 'camera-secret-2', 'mtxs_'];
const PASSWORD = 'audited-password-1';

let server: TestServer;
let admin: Caller;
let adminId = 0;

/** Every command of the table: the REST operations of the OpenAPI document and the socket-only ones it lists. */
async function commandTable(): Promise<string[]> {
  const document = (await server.http('GET', '/api/docs-json')).body;
  const names = new Set<string>();
  for (const item of Object.values<Record<string, { operationId: string }>>(document.paths)) {
    for (const operation of Object.values(item)) names.add(operation.operationId.split('.').slice(0, 2).join('.'));
  }
  for (const { module, command } of document['x-socket-only-commands'] as Array<{ module: string; command: string }>) names.add(`${module}.${command}`);
  return [...names].sort();
}

async function auditPage(query: Record<string, string | number> = {}, caller: Caller = admin): Promise<{ items: any[]; total: number }> {
  const answer = await send(server, 'rest', caller, { module: 'audit', command: 'list', payload: { itemsPerPage: 100, ...query } });
  expect(answer.body?.error).toBeUndefined();
  return answer.body;
}

const auditTotal = async (): Promise<number> => (await auditPage({ itemsPerPage: 1 })).total;

async function ok(transport: Transport, caller: Caller, request: WireRequest): Promise<any> {
  const answer = await send(server, transport, caller, request);
  expect({ request, error: answer.body?.error }).toEqual({ request, error: undefined });
  return answer.body;
}

interface Scenario {
  run(): Promise<{ expected: Record<string, unknown> }>;
}

/** What the scenarios share: ids made by earlier ones. */
const made = { userId: 0, credentialId: 0, cameraId: 0, tokenId: 0, refresh: '', user: { token: '' } as Caller };

const from = (transport: Transport) => ({ transport, address: expect.stringMatching(/127\.0\.0\.1|::1/) });
const byAdmin = () => ({ actor_id: adminId, actor_name: 'admin' });
const byUser = () => ({ actor_id: made.userId, actor_name: 'audited' });

/** One way to run each command that changes something, in an order where each finds what it needs, and the record it must leave. */
const SCENARIOS: Record<string, Scenario> = {
  'users.create': {
    async run() {
      const user = await ok('rest', admin, { module: 'users', command: 'create', payload: { username: 'audited', password: PASSWORD } });
      made.userId = user.id;
      const changes = { username: { old: null, new: 'audited' }, role: { old: null, new: 'user' }, can_login: { old: null, new: true }, camera_ids: { old: null, new: [] }, password: 'set' };
      return { expected: { ...byAdmin(), ...from('rest'), entity: String(user.id), changes } };
    },
  },
  'credentials.create': {
    async run() {
      const credential = await ok('socket', admin, { module: 'credentials', command: 'create', payload: { kind: 'basic', username: 'cam', password: 'camera-secret-1' } });
      made.credentialId = credential.id;
      return { expected: { ...byAdmin(), ...from('socket'), entity: String(credential.id), changes: expect.objectContaining({ kind: { old: null, new: 'basic' }, username: { old: null, new: 'cam' }, password: 'set' }) } };
    },
  },
  'credentials.update': {
    async run() {
      await ok('rest', admin, { module: 'credentials', command: 'update', entity: made.credentialId, payload: { description: 'front door', password: 'camera-secret-2' } });
      return { expected: { ...byAdmin(), entity: String(made.credentialId), changes: { description: { old: '', new: 'front door' }, password: 'set' } } };
    },
  },
  'cameras.create': {
    async run() {
      const payload = { name: 'Gate', mtx_path: 'gate', source_url: 'rtsp://192.0.2.10:554/stream', credential_id: made.credentialId };
      const camera = await ok('rest', admin, { module: 'cameras', command: 'create', payload });
      made.cameraId = camera.id;
      return { expected: { ...byAdmin(), entity: String(camera.id), changes: expect.objectContaining({ name: { old: null, new: 'Gate' }, credential_id: { old: null, new: made.credentialId } }) } };
    },
  },
  'cameras.update': {
    async run() {
      await ok('socket', admin, { module: 'cameras', command: 'update', entity: made.cameraId, payload: { name: 'Back gate', mtx_path: 'gate' } });
      return { expected: { ...byAdmin(), ...from('socket'), entity: String(made.cameraId), changes: { name: { old: 'Gate', new: 'Back gate' } } } };
    },
  },
  'users.update': {
    async run() {
      await ok('rest', admin, { module: 'users', command: 'update', entity: made.userId, payload: { camera_ids: [made.cameraId], role: 'user' } });
      return { expected: { ...byAdmin(), entity: String(made.userId), changes: { camera_ids: { old: [], new: [made.cameraId] } } } };
    },
  },
  'auth.create': {
    async run() {
      const tokens = await ok('rest', { token: '' }, { module: 'auth', command: 'create', payload: { username: 'audited', password: PASSWORD } });
      made.user = { token: tokens.bearer };
      made.refresh = tokens.refresh;
      return { expected: { ...byUser(), ...from('rest'), entity: expect.stringMatching(/^[0-9a-f-]{36}$/), changes: {}, outcome: 'ok' } };
    },
  },
  'auth.refresh': {
    async run() {
      const tokens = await ok('socket', admin, { module: 'auth', command: 'refresh', payload: { refresh: made.refresh } });
      made.user = { token: tokens.bearer };
      return { expected: { ...byUser(), ...from('socket'), entity: expect.stringMatching(/^[0-9a-f-]{36}$/), outcome: 'ok' } };
    },
  },
  'tokens.create': {
    async run() {
      const token = await ok('rest', made.user, { module: 'tokens', command: 'create', payload: { camera_id: made.cameraId, label: 'home assistant' } });
      made.tokenId = token.id;
      const changes = expect.objectContaining({ camera_id: { old: null, new: made.cameraId }, label: { old: null, new: 'home assistant' }, user_id: { old: null, new: made.userId }, token: 'set' });
      return { expected: { ...byUser(), entity: String(token.id), changes } };
    },
  },
  'tokens.delete': {
    async run() {
      await ok('rest', made.user, { module: 'tokens', command: 'delete', entity: made.tokenId });
      return { expected: { ...byUser(), entity: String(made.tokenId), changes: { revoked_at: { old: null, new: expect.any(String) } } } };
    },
  },
  'messages.create': {
    async run() {
      await ok('socket', admin, { module: 'messages', command: 'create', payload: { message: 'maintenance at noon' } });
      return { expected: { ...byAdmin(), entity: null, changes: { message: { old: null, new: 'maintenance at noon' } } } };
    },
  },
  'auth.delete': {
    async run() {
      await ok('rest', made.user, { module: 'auth', command: 'delete' });
      return { expected: { ...byUser(), entity: expect.stringMatching(/^[0-9a-f-]{36}$/), changes: { revoked_at: { old: null, new: expect.any(String) } } } };
    },
  },
  'cameras.delete': {
    async run() {
      await ok('rest', admin, { module: 'cameras', command: 'delete', entity: made.cameraId });
      return { expected: { ...byAdmin(), entity: String(made.cameraId), changes: expect.objectContaining({ name: { old: 'Back gate', new: null }, mtx_path: { old: 'gate', new: null } }) } };
    },
  },
  'credentials.delete': {
    async run() {
      await ok('rest', admin, { module: 'credentials', command: 'delete', entity: made.credentialId });
      return { expected: { ...byAdmin(), entity: String(made.credentialId), changes: expect.objectContaining({ description: { old: 'front door', new: null } }) } };
    },
  },
  'users.delete': {
    async run() {
      await ok('rest', admin, { module: 'users', command: 'delete', entity: made.userId });
      return { expected: { ...byAdmin(), entity: String(made.userId), changes: { username: { old: 'audited', new: null }, role: { old: 'user', new: null }, can_login: { old: true, new: null } } } };
    },
  },
};

describe('audit log', () => {
  beforeAll(async () => {
    server = await startServer();
    const tokens = await server.login();
    admin = { token: tokens.bearer };
    adminId = tokens.user.id;
  });
  afterAll(async () => {
    admin?.socket?.close();
    await server.stop();
  });

  it('names, for every command of the table, either a way to change something or that it changes nothing', async () => {
    const table = await commandTable();
    const changing = table.filter((name) => !CHANGES_NOTHING.has(name));
    expect(Object.keys(SCENARIOS).sort()).toEqual(changing);
    expect([...CHANGES_NOTHING].filter((name) => !table.includes(name))).toEqual([]);
  });

  it('leaves exactly one record with the right fields for every command that changes something, never a secret', async () => {
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      const before = await auditTotal();
      const { expected } = await scenario.run();
      const after = await auditPage({ itemsPerPage: 5 });
      const [module, command] = name.split('.');
      expect({ name, added: after.total - before }).toEqual({ name, added: 1 });
      expect(after.items[0]).toEqual({
        id: expect.any(Number),
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        actor_id: expect.anything(),
        actor_name: expect.any(String),
        module,
        command,
        entity: expect.anything(),
        changes: expect.anything(),
        outcome: 'ok',
        address: expect.any(String),
        transport: expect.any(String),
        ...expected,
      });
      const text = JSON.stringify(after.items[0]);
      for (const secret of SECRET_VALUES) expect({ name, leaks: text.includes(secret) }).toEqual({ name, leaks: false });
    }
  });

  it('records a refused login on its own, with the name given and never the password', async () => {
    const before = await auditTotal();
    const answer = await server.http('POST', '/api/auth', { body: { username: 'admin', password: 'not-the-password-9' } });
    expect(answer.status).toBe(401);
    const after = await auditPage({ itemsPerPage: 1 });
    expect(after.total - before).toBe(1);
    expect(after.items[0]).toMatchObject({ module: 'auth', command: 'create', actor_id: adminId, actor_name: 'admin', entity: String(adminId), outcome: 'refused', changes: {}, transport: 'rest' });
    expect(JSON.stringify(after.items[0])).not.toContain('not-the-password-9');
  });

  it('leaves no record for a change that fails: validation, conflict, forbidden, not found', async () => {
    const viewer = await ok('rest', admin, { module: 'users', command: 'create', payload: { username: 'viewer', password: 'viewer-password-1' } });
    const user: Caller = { token: (await server.login('viewer', 'viewer-password-1')).bearer };
    const failing: Array<{ caller: Caller; request: WireRequest; code: string }> = [
      { caller: admin, request: { module: 'users', command: 'create', payload: { username: '', password: 'x' } }, code: 'validation_failed' },
      // Refused inside the transaction (a unique violation), after the write was tried.
      { caller: admin, request: { module: 'users', command: 'create', payload: { username: 'viewer', password: 'viewer-password-2' } }, code: 'conflict' },
      { caller: admin, request: { module: 'users', command: 'update', entity: viewer.id, payload: { camera_ids: [99_999] } }, code: 'validation_failed' },
      { caller: admin, request: { module: 'users', command: 'delete', entity: adminId }, code: 'forbidden' },
      { caller: user, request: { module: 'users', command: 'update', entity: viewer.id, payload: { role: 'admin' } }, code: 'forbidden' },
      { caller: user, request: { module: 'cameras', command: 'create', payload: { name: 'x', mtx_path: 'x', source_url: 'rtsp://192.0.2.1/x' } }, code: 'forbidden' },
      { caller: admin, request: { module: 'cameras', command: 'update', entity: 99_999, payload: { name: 'nothing' } }, code: 'not_found' },
      { caller: admin, request: { module: 'credentials', command: 'update', entity: 99_999, payload: { description: 'nothing' } }, code: 'not_found' },
    ];
    const before = await auditTotal();
    for (const { caller, request, code } of failing) {
      for (const transport of ['rest', 'socket'] as const) {
        const answer = await send(server, transport, caller, request);
        expect({ request, transport, code: answer.body?.error?.code }).toEqual({ request, transport, code });
      }
    }
    expect(await auditTotal()).toBe(before);
    user.socket?.close();
  });

  it('lets only admins read the log, on both transports', async () => {
    await ok('rest', admin, { module: 'users', command: 'create', payload: { username: 'reader', password: 'reader-password-1' } });
    const user: Caller = { token: (await server.login('reader', 'reader-password-1')).bearer };
    for (const transport of ['rest', 'socket'] as const) {
      const answer = await send(server, transport, user, { module: 'audit', command: 'list' });
      expect({ transport, code: answer.body?.error?.code, items: answer.body?.items }).toEqual({ transport, code: 'forbidden', items: undefined });
    }
    const overSocket = await send(server, 'socket', admin, { module: 'audit', command: 'list', payload: { itemsPerPage: 1 } });
    expect(overSocket.body).toMatchObject({ items: [expect.objectContaining({ module: 'auth' })], page: 1, itemsPerPage: 1 });
    user.socket?.close();
  });

  it('filters by user, module, entity and time, and pages newest first', async () => {
    const made = await ok('rest', admin, { module: 'users', command: 'create', payload: { username: 'filtered', password: 'filtered-password-1' } });
    await ok('rest', admin, { module: 'users', command: 'update', entity: made.id, payload: { can_login: false } });
    const ofUser = await auditPage({ module: 'users', entity: made.id });
    expect(ofUser.items.map((item) => item.command)).toEqual(['update', 'create']);
    expect(ofUser.items[0].changes).toEqual({ can_login: { old: true, new: false } });
    const second = await auditPage({ module: 'users', entity: made.id, itemsPerPage: 1, page: 2 });
    expect({ total: second.total, commands: second.items.map((item) => item.command) }).toEqual({ total: 2, commands: ['create'] });
    const byActor = await auditPage({ user_id: adminId, module: 'users' });
    expect(byActor.items.length).toBeGreaterThanOrEqual(2);
    expect(byActor.items.every((item) => item.actor_id === adminId && item.module === 'users')).toBe(true);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await auditPage({ from: future })).total).toBe(0);
    expect((await auditPage({ to: future, module: 'users', entity: made.id })).total).toBe(2);
    const wrong = await send(server, 'rest', admin, { module: 'audit', command: 'list', payload: { from: 'yesterday' } });
    expect(wrong.body?.error?.code).toBe('validation_failed');
    // Filters are values, never SQL.
    expect((await auditPage({ module: "users' OR '1'='1" })).total).toBe(0);
    expect((await auditPage({ entity: `${made.id} OR true` })).total).toBe(0);
    const unknown = await send(server, 'socket', admin, { module: 'audit', command: 'list', payload: { actor: 1 } });
    expect(unknown.body?.error?.code).toBe('validation_failed');
  });

  it('publishes audit:created to admins and not to users', async () => {
    await ok('rest', admin, { module: 'users', command: 'create', payload: { username: 'listener', password: 'listener-password-1' } });
    const userToken = (await server.login('listener', 'listener-password-1')).bearer;
    const adminSocket = recordEvents(await connectSocket(server.url, { auth: { token: admin.token } }));
    const userSocket = recordEvents(await connectSocket(server.url, { auth: { token: userToken } }));
    try {
      await ok('rest', admin, { module: 'credentials', command: 'create', payload: { kind: 'token', token: 'camera-secret-1', description: 'published' } });
      const seen = await adminSocket.waitFor(({ event, payload }) => event === 'audit:created' && payload.details.module === 'credentials');
      expect(seen.payload).toMatchObject({ domain: 'audit', event: 'created', details: { command: 'create', actor_name: 'admin', changes: { token: 'set' } } });
      expect(JSON.stringify(seen.payload)).not.toContain('camera-secret-1');
      // A broadcast reaches both, after the record: once the user has it, the record would have come before.
      await rpc(adminSocket.socket, { module: 'messages', command: 'create', payload: { message: 'barrier' } });
      await userSocket.waitFor(({ event, payload }) => event === 'system:message' && payload.message === 'barrier');
      await adminSocket.waitFor(({ event, payload }) => event === 'audit:created' && payload.details.module === 'messages');
      expect(userSocket.events.filter(({ event }) => event.startsWith('audit:'))).toEqual([]);
    } finally {
      adminSocket.socket.close();
      userSocket.socket.close();
    }
  });
});

describe('audit log atomicity and retention', () => {
  it('rolls the change back when its audit record cannot be written', async () => {
    const seamed = await startServer({ seams: { failAuditOf: 'cameras.update' } });
    try {
      const token = (await seamed.login()).bearer;
      const created = await seamed.http('POST', '/api/cameras', { token, body: { name: 'Kept', mtx_path: 'kept', source_url: 'rtsp://192.0.2.10/kept' } });
      expect(created.status).toBe(201);
      const count = async () => (await seamed.http('GET', '/api/audit?itemsPerPage=1', { token })).body.total as number;
      const before = await count();
      const updated = await seamed.http('PUT', `/api/cameras/${created.body.id}`, { token, body: { name: 'Lost' } });
      expect({ status: updated.status, code: updated.body?.error?.code }).toEqual({ status: 500, code: 'internal' });
      expect((await seamed.http('GET', `/api/cameras/${created.body.id}`, { token })).body.name).toBe('Kept');
      expect(await count()).toBe(before);
    } finally {
      await seamed.stop();
    }
  });

  it('drops records older than AUDIT_RETENTION', async () => {
    const short = await startServer({ env: { AUDIT_RETENTION: '2', EVENTS_PRUNE_INTERVAL: '1' } });
    try {
      const token = (await short.login()).bearer;
      const count = async () => (await short.http('GET', '/api/audit?itemsPerPage=1', { token })).body.total as number;
      expect(await count()).toBeGreaterThan(0);
      await eventually(count, (total) => total === 0, 15_000, 200);
    } finally {
      await short.stop();
    }
  });
});
