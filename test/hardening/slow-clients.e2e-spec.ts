import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Socket } from 'socket.io-client';
import { addressOf, httpRequest, parseAnswer, rawExchange } from '../support/raw-http.js';
import { connectSocket, rpc, startServer, type TestServer } from '../support/test-server.js';
import { sleep } from '../support/waiting.js';

const HEADERS_TIMEOUT_S = 2;
const REQUEST_TIMEOUT_S = 3;
const KEEP_ALIVE_TIMEOUT_S = 2;
/** How long a test waits for the server to close a connection: well past every timeout above. */
const CLOSE_BOUND_MS = 15_000;
const TIMED_OUT = `the request did not arrive in time: the headers must arrive within ${HEADERS_TIMEOUT_S} s and the whole request within ${REQUEST_TIMEOUT_S} s`;

const timedOut = { error: { status: 408, code: 'validation_failed', message: TIMED_OUT, details: [], context: {} } };

describe('slow clients', () => {
  let server: TestServer;
  let token: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    server = await startServer({
      env: { HTTP_HEADERS_TIMEOUT: String(HEADERS_TIMEOUT_S), HTTP_REQUEST_TIMEOUT: String(REQUEST_TIMEOUT_S), HTTP_KEEP_ALIVE_TIMEOUT: String(KEEP_ALIVE_TIMEOUT_S) },
    });
    token = (await server.login()).bearer;
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await server.stop();
  });

  it('closes a connection whose body trickles in, with 408 in the one error shape', async () => {
    const headers = 'POST /api/auth HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{';
    const exchange = await rawExchange(addressOf(server.url), headers, { waitMs: CLOSE_BOUND_MS, drip: ' ', dripEveryMs: 250 });
    expect(exchange.closedByServer).toBe(true);
    const answer = parseAnswer(exchange.text);
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual(timedOut);
  });

  it('closes a connection whose headers trickle in, with 408', async () => {
    const exchange = await rawExchange(addressOf(server.url), 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n', { waitMs: CLOSE_BOUND_MS, drip: 'X-Slow: 1\r\n', dripEveryMs: 250 });
    expect(exchange.closedByServer).toBe(true);
    const answer = parseAnswer(exchange.text);
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual(timedOut);
  });

  it('closes a connection that never sends a byte', async () => {
    const exchange = await rawExchange(addressOf(server.url), '', { waitMs: CLOSE_BOUND_MS });
    expect(exchange.closedByServer).toBe(true);
    expect(parseAnswer(exchange.text).status).toBe(408);
  });

  it('closes an idle keep-alive connection after its answer', async () => {
    const exchange = await rawExchange(addressOf(server.url), 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', { waitMs: CLOSE_BOUND_MS });
    expect(exchange.closedByServer).toBe(true);
    const answer = parseAnswer(exchange.text);
    expect(answer.status).toBe(200);
    expect(answer.headers['keep-alive']).toBe(`timeout=${KEEP_ALIVE_TIMEOUT_S}`);
  });

  it('answers a body that arrives in pieces within the request timeout', async () => {
    const body = JSON.stringify({ username: 'admin', password: 'wrong-password' });
    const exchange = await rawExchange(addressOf(server.url), httpRequest('POST', '/api/auth', { 'Content-Type': 'application/json', 'Content-Length': String(body.length + 3) }, body), {
      waitMs: CLOSE_BOUND_MS,
      drip: ' ',
      dripEveryMs: 200,
      dripTimes: 3,
    });
    const answer = parseAnswer(exchange.text);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body).error.code).toBe('unauthorized');
  });

  it.each(['polling', 'websocket'])('keeps a %s Socket.IO client connected and answered for longer than the request timeout', async (transport) => {
    const socket = await connectSocket(server.url, { transports: [transport], auth: { token } });
    sockets.push(socket);
    const reasons: string[] = [];
    socket.on('disconnect', (reason) => reasons.push(reason));
    expect(socket.io.engine.transport.name).toBe(transport);
    // Quiet for longer than any HTTP timeout: a long-poll GET stays open all that time.
    await sleep((REQUEST_TIMEOUT_S + HEADERS_TIMEOUT_S + 2) * 1000);
    expect(reasons).toEqual([]);
    expect((await rpc(socket, { module: 'users', command: 'read', entity: 1 })).username).toBe('admin');
    expect(socket.connected).toBe(true);
    socket.close();
  });
});
