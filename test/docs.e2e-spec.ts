import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectSocket, rpc, startServer, type TestServer } from './support/test-server.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

type Operation = {
  operationId?: string;
  description?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  responses?: Record<string, unknown>;
};

/** Every `$ref` in `value`, wherever it sits. */
function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refs(item, found));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') found.push(child);
      else refs(child, found);
    }
  }
  return found;
}

function resolvePointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), document);
}

describe('OpenAPI document and health', () => {
  let server: TestServer;
  let document: any;

  beforeAll(async () => {
    server = await startServer();
    const answer = await server.http('GET', '/api/docs-json');
    expect(answer.status).toBe(200);
    document = answer.body;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('serves an OpenAPI 3 document at /api/docs-json without a token', () => {
    expect(document.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(document.info).toMatchObject({ title: 'mtx-relay', version: VERSION });
    expect(document.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it('lists the users, auth and health routes with their methods', () => {
    const routes = (path: string) => Object.keys(document.paths[path] ?? {}).sort();
    expect(routes('/api/users')).toEqual(['get', 'post']);
    expect(routes('/api/users/{id}')).toEqual(['delete', 'get', 'patch', 'put']);
    expect(routes('/api/auth')).toEqual(['delete', 'post']);
    expect(routes('/api/auth/refresh')).toEqual(['post']);
    expect(routes('/api/health')).toEqual(['get']);
    expect(routes('/api/logs')).toEqual(['get']);
    expect(routes('/api/subscriptions')).toEqual([]);
    expect(document.paths['/api/users'].get.parameters.map((parameter: { name: string }) => parameter.name).sort()).toEqual([
      'itemsPerPage',
      'page',
      'search',
      'sortBy',
    ]);
    expect(document.paths['/api/auth'].post.requestBody.content['application/json'].schema.required.sort()).toEqual(['password', 'username']);
  });

  it('is well formed: unique operation ids, declared path parameters, responses, resolvable references', () => {
    const operationIds: string[] = [];
    for (const [path, item] of Object.entries<Record<string, Operation>>(document.paths)) {
      expect(path).toMatch(/^\/api\//);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      for (const [method, operation] of Object.entries(item)) {
        expect(METHODS).toContain(method);
        expect(typeof operation.operationId).toBe('string');
        operationIds.push(operation.operationId!);
        const pathParameters = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
        const declared = pathParameters.map((parameter) => parameter.name).sort();
        expect({ method, path, pathParameters: declared }).toEqual({ method, path, pathParameters: templated });
        expect(pathParameters.every((parameter) => parameter.required === true)).toBe(true);
        const statuses = Object.keys(operation.responses ?? {});
        expect(statuses.length).toBeGreaterThan(0);
        statuses.forEach((status) => expect(status).toMatch(/^[1-5]\d\d$/));
      }
    }
    expect(new Set(operationIds).size).toBe(operationIds.length);
    const references = refs(document);
    expect(references.length).toBeGreaterThan(0);
    for (const ref of references) expect({ ref, target: resolvePointer(document, ref) }).toEqual({ ref, target: expect.anything() });
  });

  it('documents only routes that exist: each path and method answers something other than no such route', async () => {
    let checked = 0;
    for (const [path, item] of Object.entries<Record<string, Operation & { requestBody?: unknown }>>(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const route = `${method.toUpperCase()} ${path}`;
        const answer = await server.http(method.toUpperCase(), path.replace(/\{[^}]+\}/g, '1'), operation.requestBody ? { body: {} } : {});
        expect({ route, unrouted: answer.status === 404 && answer.body?.error?.message === 'no such route' }).toEqual({ route, unrouted: false });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('serves the interactive documentation as HTML at /api/docs', async () => {
    const answer = await server.http('GET', '/api/docs');
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/<html/i);
    expect(answer.text).toMatch(/swagger-ui/i);
  });

  it('answers GET /api/health without a token', async () => {
    const answer = await server.http('GET', '/api/health');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ok', version: VERSION, database: 'up', warnings: [] });
  });

  it('answers the same health over a socket request', async () => {
    const { bearer } = await server.login();
    const socket = await connectSocket(server.url, { auth: { token: bearer } });
    try {
      expect(await rpc(socket, { module: 'health', command: 'list' })).toEqual({ status: 'ok', version: VERSION, database: 'up', warnings: [] });
    } finally {
      socket.close();
    }
  });
});
