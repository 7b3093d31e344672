import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectSocket, rpc, startServer, type TestServer } from './support/test-server.js';
import { send } from './support/wire.js';

type Access = 'public' | 'authenticated' | 'admin';

/**
 * Who may call each command over REST. This table is the reviewed list: a command added, removed
 * or re-declared without changing it here fails this test.
 */
const EXPECTED_ACCESS: Record<string, Access> = {
  'audit.list': 'admin',
  'auth.create': 'public',
  'auth.refresh': 'public',
  'auth.delete': 'authenticated',
  'cameras.list': 'authenticated',
  'cameras.read': 'authenticated',
  'cameras.create': 'admin',
  'cameras.update': 'admin',
  'cameras.delete': 'admin',
  'credentials.list': 'admin',
  'credentials.read': 'admin',
  'credentials.create': 'admin',
  'credentials.update': 'admin',
  'credentials.delete': 'admin',
  'health.list': 'public',
  'health.read': 'public',
  'logs.list': 'admin',
  'messages.create': 'admin',
  'system.read': 'authenticated',
  'tokens.list': 'authenticated',
  'tokens.read': 'authenticated',
  'tokens.create': 'authenticated',
  'tokens.delete': 'authenticated',
  'users.list': 'admin',
  'users.read': 'authenticated',
  'users.create': 'admin',
  'users.update': 'authenticated',
  'users.delete': 'admin',
};

/** The commands that only work on a live socket: left out of the OpenAPI document, with their access. */
const SOCKET_ONLY_ACCESS: Record<string, Exclude<Access, 'public'>> = {
  'auth.update': 'authenticated',
  'logs.update': 'admin',
  'logs.delete': 'admin',
  'subscriptions.list': 'authenticated',
  'subscriptions.create': 'authenticated',
  'subscriptions.delete': 'authenticated',
};

/**
 * Routes outside the command table that are not public: each takes a proof of its own (GET
 * /metrics: METRICS_TOKEN or an admin's access token). Refused without it, like an admin route.
 */
const ADMIN_ROUTES_OUTSIDE_THE_TABLE = [{ method: 'GET', path: '/metrics' }];

/**
 * Routes outside the command table that only MediaMTX may call, with the hook secret (the hooks in
 * a header, the auth callback in its URL): refused to everyone else, an admin included.
 */
const MEDIAMTX_ROUTES_OUTSIDE_THE_TABLE = [
  { method: 'POST', path: '/api/mediamtx/auth' },
  { method: 'POST', path: '/api/mediamtx/hooks/ready' },
];

interface Route {
  method: string;
  path: string;
  command: string;
  access: Access;
  hasBody: boolean;
}

/** Every REST operation of the OpenAPI document with the command and access level its description declares. */
function routesOf(document: any): Route[] {
  const routes: Route[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const description = String(operation.description);
      const command = /\{module: "([^"]+)", command: "([^"]+)"\}/.exec(description);
      const access = [...description.matchAll(/Access: (\w+)\./g)].map((match) => match[1]);
      expect({ path, method, command: command?.slice(1), access }).toEqual({
        path,
        method,
        command: [expect.any(String), expect.any(String)],
        access: [expect.stringMatching(/^(public|authenticated|admin)$/)],
      });
      routes.push({
        method: method.toUpperCase(),
        path: path.replace(/\{[^}]+\}/g, '1'),
        command: `${command![1]}.${command![2]}`,
        access: access[0] as Access,
        hasBody: operation.requestBody !== undefined,
      });
    }
  }
  return routes;
}

describe('access declarations', () => {
  let server: TestServer;
  let routes: Route[];

  beforeAll(async () => {
    server = await startServer();
    const answer = await server.http('GET', '/api/docs-json');
    expect(answer.status).toBe(200);
    routes = routesOf(answer.body);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('declares exactly the expected access level for every command', () => {
    const declared: Record<string, Access> = {};
    for (const route of routes) {
      // PUT and PATCH of one command must agree.
      expect({ command: route.command, access: declared[route.command] ?? route.access }).toEqual({ command: route.command, access: route.access });
      declared[route.command] = route.access;
    }
    expect(declared).toEqual(EXPECTED_ACCESS);
  });

  it('refuses every non-public route without a token, and lets public ones through', async () => {
    for (const route of [...routes, ...ADMIN_ROUTES_OUTSIDE_THE_TABLE.map((route) => ({ ...route, access: 'admin' as const, hasBody: false, command: '' }))]) {
      const answer = await server.http(route.method, route.path, route.hasBody ? { body: {} } : {});
      const seen = { route: `${route.method} ${route.path}`, code: answer.body?.error?.code as string | undefined };
      if (route.access === 'public') {
        expect(seen).toEqual({ route: seen.route, code: expect.not.stringMatching(/^(unauthorized|token_expired|forbidden)$/) });
      } else {
        expect({ ...seen, status: answer.status }).toEqual({ route: seen.route, code: 'unauthorized', status: 401 });
      }
    }
  });

  it('refuses the routes only MediaMTX may call to anyone else, an admin included', async () => {
    const { bearer: admin } = await server.login();
    for (const route of MEDIAMTX_ROUTES_OUTSIDE_THE_TABLE) {
      for (const token of [undefined, admin]) {
        const answer = await server.http(route.method, route.path, { token, body: {} });
        expect({ route: `${route.method} ${route.path}`, status: answer.status, error: answer.body?.error?.code }).toEqual({
          route: `${route.method} ${route.path}`,
          status: 401,
          error: 'unauthorized',
        });
      }
    }
  });

  it('refuses every admin route to a signed-in user who is not an admin', async () => {
    const { bearer: admin } = await server.login();
    const created = await server.http('POST', '/api/users', { token: admin, body: { username: 'viewer', password: 'viewer-password-1' } });
    expect(created.status).toBe(201);
    const { bearer: user } = await server.login('viewer', 'viewer-password-1');
    const adminRoutes = [...routes.filter((route) => route.access === 'admin'), ...ADMIN_ROUTES_OUTSIDE_THE_TABLE.map((route) => ({ ...route, hasBody: false }))];
    expect(adminRoutes.length).toBeGreaterThan(0);
    for (const route of adminRoutes) {
      const answer = await server.http(route.method, route.path, { token: user, ...(route.hasBody ? { body: {} } : {}) });
      expect({ route: `${route.method} ${route.path}`, status: answer.status, error: answer.body?.error?.code }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 403,
        error: 'forbidden',
      });
    }
  });

  it('keeps the socket-only commands on the socket, with their access, and refuses them over REST', async () => {
    const { bearer: admin } = await server.login();
    const created = await server.http('POST', '/api/users', { token: admin, body: { username: 'socket-viewer', password: 'viewer-password-1' } });
    expect(created.status).toBe(201);
    const { bearer: user } = await server.login('socket-viewer', 'viewer-password-1');
    const socket = await connectSocket(server.url, { auth: { token: user } });
    try {
      for (const [name, access] of Object.entries(SOCKET_ONLY_ACCESS)) {
        const [module, command] = name.split('.');
        const answer = await rpc(socket, { module, command, payload: {} });
        const code = answer?.error?.code as string | undefined;
        expect({ name, forbidden: code === 'forbidden', known: code !== 'not_found' }).toEqual({ name, forbidden: access === 'admin', known: true });
        const overRest = await send(server, 'rest', { token: admin }, { module, command, payload: {} });
        expect({ name, status: overRest.status, code: overRest.body?.error?.code }).toEqual({ name, status: 400, code: 'validation_failed' });
      }
    } finally {
      socket.close();
    }
  });
});
