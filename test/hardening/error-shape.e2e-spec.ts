import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ERROR_STATUS } from '../../src/common/errors.ts';
import { addressOf, httpRequest, parseAnswer, rawExchange, type RawAnswer } from '../support/raw-http.js';
import { startServer, type TestServer } from '../support/test-server.js';

const json = { 'Content-Type': 'application/json' };
const EVIL_ORIGIN = 'http://evil.example';
const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** A WebSocket upgrade request (no `Connection: close`: it asks for an upgrade instead). */
const upgrade = (target: string, headers: Record<string, string> = {}): string =>
  [`GET ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: Upgrade', 'Upgrade: websocket', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), '', ''].join('\r\n');

interface Case {
  name: string;
  /** The bytes sent; a function when it needs the admin's token or the camera. */
  request: string | ((context: { token: string; cameraId: number }) => string);
  status: number;
  code: string;
}

/**
 * Every layer that can answer a request: Node's HTTP parser and server, Fastify's router and body
 * parsing, Nest's routes and filter, the command dispatcher, engine.io and ws for Socket.IO.
 */
const CASES: Case[] = [
  // Node's HTTP parser and server
  { name: 'headers over 16 KB', request: httpRequest('GET', '/api/health', { 'X-Filler': 'a'.repeat(20_000) }), status: 431, code: 'validation_failed' },
  { name: 'a URL over 16 KB', request: httpRequest('GET', `/api/users?search=${'a'.repeat(20_000)}`), status: 431, code: 'validation_failed' },
  { name: 'a request line that is not HTTP', request: 'HELLO\r\n\r\n', status: 400, code: 'validation_failed' },
  { name: 'an HTTP version the server does not speak', request: 'GET /api/health HTTP/3.0\r\nHost: 127.0.0.1\r\n\r\n', status: 400, code: 'validation_failed' },
  { name: 'a method name with a space in it', request: 'GE T /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', status: 400, code: 'validation_failed' },
  { name: 'a header name with a space in it', request: httpRequest('GET', '/api/health', { 'Bad Header': 'x' }), status: 400, code: 'validation_failed' },
  { name: 'a header value with a control character', request: httpRequest('GET', '/api/health', { 'X-Bad': 'a\u0001b' }), status: 400, code: 'validation_failed' },
  {
    name: 'both Content-Length and Transfer-Encoding',
    request: httpRequest('POST', '/api/auth', { ...json, 'Content-Length': '3', 'Transfer-Encoding': 'chunked' }, '0\r\n\r\n'),
    status: 400,
    code: 'validation_failed',
  },
  { name: 'a Content-Length that is not a number', request: httpRequest('POST', '/api/auth', { ...json, 'Content-Length': 'ten' }, '{}'), status: 400, code: 'validation_failed' },
  { name: 'an HTTP/1.1 request without Host', request: 'GET /api/health HTTP/1.1\r\nConnection: close\r\n\r\n', status: 400, code: 'validation_failed' },
  { name: 'an Expect other than 100-continue', request: httpRequest('POST', '/api/auth', { ...json, Expect: 'teapot' }, '{}'), status: 417, code: 'validation_failed' },
  // Fastify's router
  { name: 'a malformed percent-encoding in the path', request: httpRequest('GET', '/api/users/%'), status: 400, code: 'validation_failed' },
  { name: 'a malformed percent-encoding in a path id', request: httpRequest('GET', '/api/cameras/%zz'), status: 400, code: 'validation_failed' },
  { name: 'a path id over 1000 characters', request: ({ token }) => httpRequest('GET', `/api/users/${'a'.repeat(1001)}`, { Authorization: `Bearer ${token}` }), status: 414, code: 'validation_failed' },
  { name: 'an unknown route', request: httpRequest('GET', '/api/users/1/friends'), status: 404, code: 'not_found' },
  { name: 'a path outside the API', request: httpRequest('GET', '/wp-login.php'), status: 404, code: 'not_found' },
  { name: 'a method the route does not have', request: httpRequest('POST', '/api/users/1', json, '{}'), status: 404, code: 'not_found' },
  { name: 'a method no route has', request: httpRequest('PURGE', '/api/users'), status: 404, code: 'not_found' },
  { name: 'an unknown page of the API documents', request: httpRequest('GET', '/api/docs/nothing-here.js'), status: 404, code: 'not_found' },
  // Fastify's body parsing
  {
    name: 'a form-encoded PUT',
    request: ({ token, cameraId }) => httpRequest('PUT', `/api/cameras/${cameraId}`, { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-www-form-urlencoded' }, 'name=hacked'),
    status: 415,
    code: 'validation_failed',
  },
  {
    name: 'a text/plain POST',
    request: ({ token }) => httpRequest('POST', '/api/users', { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' }, '{"username":"eve","password":"eve-password"}'),
    status: 415,
    code: 'validation_failed',
  },
  { name: 'a body without a Content-Type', request: httpRequest('POST', '/api/auth', {}, '{"username":"admin","password":"x"}'), status: 415, code: 'validation_failed' },
  { name: 'a JSON-like media type', request: httpRequest('POST', '/api/auth', { 'Content-Type': 'application/vnd.api+json' }, '{}'), status: 415, code: 'validation_failed' },
  { name: 'a multipart body', request: httpRequest('POST', '/api/auth', { 'Content-Type': 'multipart/form-data; boundary=x' }, '--x--\r\n'), status: 415, code: 'validation_failed' },
  { name: 'a form body to the MediaMTX auth route', request: httpRequest('POST', '/api/mediamtx/auth', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'user=a'), status: 415, code: 'validation_failed' },
  // The MediaMTX auth callback is served ahead of Nest (transports/rest/direct-routes.ts), by the same rules
  { name: 'a body that is not JSON to the MediaMTX auth route', request: httpRequest('POST', '/api/mediamtx/auth', json, '{"action": "read",'), status: 400, code: 'validation_failed' },
  { name: 'a gzip-encoded body to the MediaMTX auth route', request: httpRequest('POST', '/api/mediamtx/auth', { ...json, 'Content-Encoding': 'gzip' }, '\u001f\u008b x'), status: 415, code: 'validation_failed' },
  { name: 'a body over 100 KB to the MediaMTX auth route', request: httpRequest('POST', '/api/mediamtx/auth', json, JSON.stringify({ user: 'x'.repeat(120_000) })), status: 413, code: 'validation_failed' },
  { name: 'the MediaMTX auth route with GET', request: httpRequest('GET', '/api/mediamtx/auth'), status: 404, code: 'not_found' },
  { name: 'a gzip-encoded body', request: httpRequest('POST', '/api/auth', { ...json, 'Content-Encoding': 'gzip' }, '\u001f\u008b not really gzip'), status: 415, code: 'validation_failed' },
  { name: 'a body that is not JSON', request: httpRequest('POST', '/api/auth', json, '{"username": "admin",'), status: 400, code: 'validation_failed' },
  { name: 'an empty JSON body', request: httpRequest('POST', '/api/auth', { ...json, 'Content-Length': '0' }), status: 400, code: 'validation_failed' },
  { name: 'a JSON body with __proto__', request: httpRequest('POST', '/api/auth', json, '{"__proto__": {"admin": true}}'), status: 400, code: 'validation_failed' },
  { name: 'a body over 100 KB', request: httpRequest('POST', '/api/auth', json, JSON.stringify({ username: 'x'.repeat(120_000) })), status: 413, code: 'validation_failed' },
  { name: 'a chunked body over 100 KB', request: httpRequest('POST', '/api/auth', { ...json, 'Transfer-Encoding': 'chunked' }, `1d4c0\r\n${'x'.repeat(120_000)}\r\n0\r\n\r\n`), status: 413, code: 'validation_failed' },
  // Nest's routes and the dispatcher
  { name: 'no token', request: httpRequest('GET', '/api/users'), status: 401, code: 'unauthorized' },
  { name: 'an id that is not a number', request: ({ token }) => httpRequest('GET', '/api/users/abc', { Authorization: `Bearer ${token}` }), status: 400, code: 'validation_failed' },
  { name: 'an unknown module', request: ({ token }) => httpRequest('GET', '/api/teapots', { Authorization: `Bearer ${token}` }), status: 404, code: 'not_found' },
  { name: 'a hook without its secret', request: httpRequest('POST', '/api/mediamtx/hooks/ready', { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '0' }), status: 401, code: 'unauthorized' },
  // engine.io and ws (Socket.IO)
  { name: 'Socket.IO: an unknown transport', request: httpRequest('GET', '/socket.io/?EIO=4&transport=carrier-pigeon'), status: 400, code: 'validation_failed' },
  { name: 'Socket.IO: an unknown session id', request: httpRequest('GET', '/socket.io/?EIO=4&transport=polling&sid=nope'), status: 400, code: 'validation_failed' },
  { name: 'Socket.IO: an unsupported protocol version', request: httpRequest('GET', '/socket.io/?EIO=9&transport=polling'), status: 400, code: 'validation_failed' },
  { name: 'Socket.IO: a handshake with PUT', request: httpRequest('PUT', '/socket.io/?EIO=4&transport=polling', { 'Content-Length': '0' }), status: 400, code: 'validation_failed' },
  { name: 'Socket.IO: an origin not allowed', request: httpRequest('GET', '/socket.io/?EIO=4&transport=polling', { Origin: EVIL_ORIGIN }), status: 403, code: 'forbidden' },
  { name: 'WebSocket: an upgrade without a key', request: upgrade('/socket.io/?EIO=4&transport=websocket', { 'Sec-WebSocket-Version': '13' }), status: 400, code: 'validation_failed' },
  {
    name: 'WebSocket: an upgrade with an unknown version',
    request: upgrade('/socket.io/?EIO=4&transport=websocket', { 'Sec-WebSocket-Key': WS_KEY, 'Sec-WebSocket-Version': '99' }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'WebSocket: an upgrade from an origin not allowed',
    request: upgrade('/socket.io/?EIO=4&transport=websocket', { 'Sec-WebSocket-Key': WS_KEY, 'Sec-WebSocket-Version': '13', Origin: EVIL_ORIGIN }),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'WebSocket: an upgrade with an unknown transport',
    request: upgrade('/socket.io/?EIO=4&transport=nope', { 'Sec-WebSocket-Key': WS_KEY, 'Sec-WebSocket-Version': '13' }),
    status: 400,
    code: 'validation_failed',
  },
  { name: 'WebSocket: an upgrade to a path that is not Socket.IO', request: upgrade('/api/users', { 'Sec-WebSocket-Key': WS_KEY, 'Sec-WebSocket-Version': '13' }), status: 404, code: 'not_found' },
];

/** The one error shape, and nothing else, with the status of the HTTP answer in it. */
function expectOneShape(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toEqual({ status, code, message: expect.any(String), details: expect.any(Array), context: expect.any(Object) });
  expect(Object.keys(ERROR_STATUS)).toContain(body.error.code);
  expect((body.error.message as string).length).toBeGreaterThan(0);
  expect(answer.body).not.toMatch(/FST_ERR|statusCode|\bat .+\.js:\d+|node_modules/);
}

describe(`the one error shape, from every layer (${CASES.length} malformed requests)`, () => {
  let server: TestServer;
  let token: string;
  let cameraId: number;

  beforeAll(async () => {
    server = await startServer();
    token = (await server.login()).bearer;
    const camera = await server.http('POST', '/api/cameras', { token, body: { name: 'Porch', mtx_path: 'porch', source_url: 'rtsp://192.0.2.1/live' } });
    expect(camera.status).toBe(201);
    cameraId = camera.body.id;
  });
  afterAll(async () => {
    await server.stop();
  });

  it.each(CASES)('$name: $status $code', async ({ request, status, code }) => {
    const bytes = typeof request === 'string' ? request : request({ token, cameraId });
    const exchange = await rawExchange(addressOf(server.url), bytes);
    expectOneShape(parseAnswer(exchange.text), status, code);
  });

  it('changed nothing with the form-encoded PUT', async () => {
    const camera = await server.http('GET', `/api/cameras/${cameraId}`, { token });
    expect(camera.body.name).toBe('Porch');
  });

  it('routes a path with a trailing slash as the path without it', async () => {
    const list = await server.http('GET', '/api/users/', { token });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, items: [{ username: 'admin' }] });
    const camera = await server.http('GET', `/api/cameras/${cameraId}/`, { token });
    expect(camera.status).toBe(200);
    expect(camera.body.name).toBe('Porch');
  });

  it('takes a path id of up to 1000 characters to the route, which judges it', async () => {
    const answer = await server.http('GET', `/api/users/${'9'.repeat(1000)}`, { token });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'entity' }], context: { module: 'users', command: 'read' } });
  });

  it('still takes an empty-bodied POST with a form type, as MediaMTX hooks send, and serves afterwards', async () => {
    const hook = await server.http('POST', '/api/mediamtx/hooks/ready', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: '' });
    expect(hook.status).toBe(401);
    expect(hook.body.error.message).toBe('the hook secret is missing or wrong');
    expect((await server.http('GET', '/api/users', { token })).status).toBe(200);
    expect(server.process.exitCode).toBeNull();
  });
});
