import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Socket } from 'socket.io-client';
import { connectSocket, nextEvent, rpc, startServer, type TestServer } from './support/test-server.js';
import { sleep } from './support/wire.js';

const NOT_VALID = 'the request is not valid';
const BAD_ENVELOPE = 'the request envelope is not valid';
const NOT_AN_OBJECT = [{ path: '', message: 'must be an object {command, module, requestId, entity?, payload?}' }];
const BAD_REQUEST_ID = { path: 'requestId', message: 'must be a non-empty string of at most 200 characters that is not a reserved event name' };
const USER_ID = 'must be a user id (a positive whole number)';
const UNSTORABLE = 'the request contains text that cannot be stored, such as a NUL character';

type Context = { module?: string; command?: string; requestId?: string };
const error = (status: number, code: string, message: string, details: unknown[], context: Context) => ({ error: { status, code, message, details, context } });
const invalid = (details: unknown[], context: Context, message = NOT_VALID) => error(400, 'validation_failed', message, details, context);

interface Case {
  name: string;
  /** What follows the event name in `socket.emit('request', ...)`. */
  args: unknown[];
  /** The event the answer comes on: the requestId, or `failure` when none can be read. */
  on: string;
  /** The exact answer. */
  answer: unknown;
}

const read1 = { module: 'users', command: 'read', entity: 1 };

const CASES: Case[] = [
  {
    name: 'a string that is not JSON',
    args: ['{module: users'],
    on: 'failure',
    answer: invalid([{ path: '', message: 'is a string that is not JSON' }], {}, 'the request is not JSON'),
  },
  {
    name: 'a JSON string of a valid request (works)',
    args: [JSON.stringify({ ...read1, requestId: 'as-json' })],
    on: 'as-json',
    answer: expect.objectContaining({ id: 1, username: 'admin', role: 'admin' }),
  },
  { name: 'a number', args: [42], on: 'failure', answer: invalid(NOT_AN_OBJECT, {}) },
  { name: 'an array', args: [[read1]], on: 'failure', answer: invalid(NOT_AN_OBJECT, {}) },
  { name: 'null', args: [null], on: 'failure', answer: invalid(NOT_AN_OBJECT, {}) },
  { name: 'a boolean', args: [true], on: 'failure', answer: invalid(NOT_AN_OBJECT, {}) },
  { name: 'nothing at all', args: [], on: 'failure', answer: invalid(NOT_AN_OBJECT, {}) },
  { name: 'a JSON string of a number', args: ['17'], on: 'failure', answer: invalid(NOT_AN_OBJECT, {}) },
  { name: 'a JSON string of null', args: ['null'], on: 'failure', answer: invalid(NOT_AN_OBJECT, {}) },
  {
    name: 'binary data',
    args: [Buffer.from('{"module":"users"}')],
    on: 'failure',
    answer: invalid(
      [BAD_REQUEST_ID, { path: 'module', message: 'must be a non-empty string' }, { path: 'command', message: 'must be a non-empty string' }],
      {},
      BAD_ENVELOPE,
    ),
  },
  { name: 'no requestId', args: [read1], on: 'failure', answer: invalid([BAD_REQUEST_ID], { module: 'users', command: 'read' }, BAD_ENVELOPE) },
  { name: 'a requestId that is a number', args: [{ ...read1, requestId: 7 }], on: 'failure', answer: invalid([BAD_REQUEST_ID], { module: 'users', command: 'read' }, BAD_ENVELOPE) },
  { name: 'an empty requestId', args: [{ ...read1, requestId: '' }], on: 'failure', answer: invalid([BAD_REQUEST_ID], { module: 'users', command: 'read' }, BAD_ENVELOPE) },
  ...['disconnect', 'connect', 'connect_error', 'error', 'newListener', 'failure'].map(
    (requestId): Case => ({
      name: `the reserved requestId ${requestId}`,
      args: [{ ...read1, requestId }],
      on: 'failure',
      answer: invalid([BAD_REQUEST_ID], { module: 'users', command: 'read' }, BAD_ENVELOPE),
    }),
  ),
  {
    name: 'a requestId over 200 characters',
    args: [{ ...read1, requestId: 'r'.repeat(201) }],
    on: 'failure',
    answer: invalid([BAD_REQUEST_ID], { module: 'users', command: 'read' }, BAD_ENVELOPE),
  },
  {
    name: 'an empty module',
    args: [{ module: '', command: 'list', requestId: 'm1' }],
    on: 'm1',
    answer: invalid([{ path: 'module', message: 'must be a non-empty string' }], { module: '', command: 'list', requestId: 'm1' }, BAD_ENVELOPE),
  },
  {
    name: 'no module and a command that is a number',
    args: [{ command: 3, requestId: 'm2' }],
    on: 'm2',
    answer: invalid(
      [
        { path: 'module', message: 'must be a non-empty string' },
        { path: 'command', message: 'must be a non-empty string' },
      ],
      { requestId: 'm2' },
      BAD_ENVELOPE,
    ),
  },
  {
    name: 'an unknown module',
    args: [{ module: 'teapots', command: 'list', requestId: 'm3' }],
    on: 'm3',
    answer: error(404, 'not_found', 'module teapots not found', [], { module: 'teapots', command: 'list', requestId: 'm3' }),
  },
  {
    name: 'an unknown command',
    args: [{ module: 'users', command: 'frobnicate', requestId: 'm4' }],
    on: 'm4',
    answer: error(404, 'not_found', 'command frobnicate not found in module users', [], { module: 'users', command: 'frobnicate', requestId: 'm4' }),
  },
  {
    name: 'a command name inherited from Object.prototype',
    args: [{ module: 'users', command: 'constructor', requestId: 'm5' }],
    on: 'm5',
    answer: error(404, 'not_found', 'command constructor not found in module users', [], { module: 'users', command: 'constructor', requestId: 'm5' }),
  },
  {
    name: 'read without entity',
    args: [{ module: 'users', command: 'read', requestId: 'e1' }],
    on: 'e1',
    answer: invalid([{ path: 'entity', message: 'is required' }], { module: 'users', command: 'read', requestId: 'e1' }, 'entity is required for this command'),
  },
  {
    name: 'an entity that is an object',
    args: [{ module: 'users', command: 'read', entity: { id: 1 }, requestId: 'e2' }],
    on: 'e2',
    answer: invalid([{ path: 'entity', message: 'must be a string or a number' }], { module: 'users', command: 'read', requestId: 'e2' }),
  },
  {
    name: 'an entity that is not a number, for users',
    args: [{ module: 'users', command: 'read', entity: 'abc', requestId: 'e3' }],
    on: 'e3',
    answer: invalid([{ path: 'entity', message: USER_ID }], { module: 'users', command: 'read', requestId: 'e3' }),
  },
  ...[1.5, -3, 0, 2 ** 31, '1; DROP TABLE users'].map(
    (entity, index): Case => ({
      name: `the entity ${JSON.stringify(entity)}`,
      args: [{ module: 'users', command: 'delete', entity, requestId: `e4-${index}` }],
      on: `e4-${index}`,
      answer: invalid([{ path: 'entity', message: USER_ID }], { module: 'users', command: 'delete', requestId: `e4-${index}` }),
    }),
  ),
  {
    name: 'create without payload',
    args: [{ module: 'users', command: 'create', requestId: 'p1' }],
    on: 'p1',
    answer: invalid([{ path: 'payload', message: 'is required' }], { module: 'users', command: 'create', requestId: 'p1' }, 'payload is required for this command'),
  },
  {
    name: 'update without payload',
    args: [{ module: 'users', command: 'update', entity: 1, requestId: 'p2' }],
    on: 'p2',
    answer: invalid([{ path: 'payload', message: 'is required' }], { module: 'users', command: 'update', requestId: 'p2' }, 'payload is required for this command'),
  },
  {
    name: 'a payload that is a string',
    args: [{ module: 'users', command: 'create', payload: 'username=eve', requestId: 'p3' }],
    on: 'p3',
    answer: invalid([{ path: 'payload', message: 'Invalid input: expected object, received string' }], { module: 'users', command: 'create', requestId: 'p3' }),
  },
  {
    name: 'a list payload that is an array',
    args: [{ module: 'users', command: 'list', payload: [], requestId: 'p4' }],
    on: 'p4',
    answer: invalid([{ path: 'payload', message: 'Invalid input: expected object, received array' }], { module: 'users', command: 'list', requestId: 'p4' }),
  },
  {
    name: 'a payload with an unknown key',
    args: [{ module: 'users', command: 'update', entity: 1, payload: { username: 'root', is_superuser: true }, requestId: 'p5' }],
    on: 'p5',
    answer: invalid([{ path: 'payload', message: 'Unrecognized key: "is_superuser"' }], { module: 'users', command: 'update', requestId: 'p5' }),
  },
  {
    name: 'a payload of wrong types',
    args: [{ module: 'users', command: 'create', payload: { username: 5, password: true, can_login: 'yes' }, requestId: 'p6' }],
    on: 'p6',
    answer: invalid(
      [
        { path: 'payload.username', message: 'Invalid input: expected string, received number' },
        { path: 'payload.password', message: 'Invalid input: expected string, received boolean' },
        { path: 'payload.can_login', message: 'Invalid input: expected boolean, received string' },
      ],
      { module: 'users', command: 'create', requestId: 'p6' },
    ),
  },
  {
    name: 'an update that changes nothing',
    args: [{ module: 'users', command: 'update', entity: 1, payload: {}, requestId: 'p7' }],
    on: 'p7',
    answer: invalid([{ path: 'payload', message: 'name at least one field to change' }], { module: 'users', command: 'update', requestId: 'p7' }),
  },
  {
    name: 'a login with an empty payload',
    args: [{ module: 'auth', command: 'create', payload: {}, requestId: 'p8' }],
    on: 'p8',
    answer: invalid(
      [
        { path: 'payload.username', message: 'Invalid input: expected string, received undefined' },
        { path: 'payload.password', message: 'Invalid input: expected string, received undefined' },
      ],
      { module: 'auth', command: 'create', requestId: 'p8' },
    ),
  },
  {
    name: 'list with itemsPerPage 1000',
    args: [{ module: 'users', command: 'list', payload: { itemsPerPage: 1000 }, requestId: 'l1' }],
    on: 'l1',
    answer: invalid([{ path: 'payload.itemsPerPage', message: 'Too big: expected number to be <=100' }], { module: 'users', command: 'list', requestId: 'l1' }),
  },
  {
    name: 'list with itemsPerPage that is not a number',
    args: [{ module: 'users', command: 'list', payload: { itemsPerPage: 'ten', search: 5 }, requestId: 'l2' }],
    on: 'l2',
    answer: invalid(
      [
        { path: 'payload.search', message: 'Invalid input: expected string, received number' },
        { path: 'payload.itemsPerPage', message: 'Invalid input: expected number, received NaN' },
      ],
      { module: 'users', command: 'list', requestId: 'l2' },
    ),
  },
  {
    name: 'list with a sortBy that is not whitelisted',
    args: [{ module: 'users', command: 'list', payload: { sortBy: '-password_hash' }, requestId: 'l3' }],
    on: 'l3',
    answer: invalid(
      [{ path: 'payload.sortBy', message: 'must be one of: id, -id, username, -username, role, -role, created_at, -created_at, updated_at, -updated_at' }],
      { module: 'users', command: 'list', requestId: 'l3' },
    ),
  },
  {
    name: 'a search with a NUL character',
    args: [{ module: 'users', command: 'list', payload: { search: 'ad\u0000min' }, requestId: 'n1' }],
    on: 'n1',
    answer: invalid([], { module: 'users', command: 'list', requestId: 'n1' }, UNSTORABLE),
  },
  {
    name: 'a login with a NUL character in the user name',
    args: [{ module: 'auth', command: 'create', payload: { username: 'admin\u0000', password: 'whatever-password' }, requestId: 'n2' }],
    on: 'n2',
    answer: invalid([], { module: 'auth', command: 'create', requestId: 'n2' }, UNSTORABLE),
  },
];

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startServer();
  token = (await server.login()).bearer;
});
afterAll(async () => {
  await server?.stop();
});

describe('malformed socket requests', () => {
  let socket: Socket;
  const received: Array<{ event: string; body: unknown }> = [];

  beforeAll(async () => {
    socket = await connectSocket(server.url, { auth: { token } });
    // Only answers count: topics (presence, `init`, …) may come on the socket too.
    const answerEvents = new Set(['failure', 'q1', ...CASES.map((testCase) => testCase.on)]);
    socket.onAny((event: string, body: unknown) => {
      if (answerEvents.has(event)) received.push({ event, body });
    });
  });
  afterAll(() => {
    socket?.close();
  });

  it('the table has at least 20 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))('%s: one answer, on its event and on the ack', async (_name, testCase) => {
    const onEvent = nextEvent(socket, testCase.on, 3000);
    const onAck = new Promise((resolve) => socket.emit('request', ...testCase.args, resolve));
    const [event, ack] = await Promise.all([onEvent, onAck]);
    expect(event).toEqual(testCase.answer);
    expect(ack).toEqual(event);
  });

  it('without an ack, the answer still comes on the event', async () => {
    const onFailure = nextEvent(socket, 'failure', 3000);
    socket.emit('request', 'not JSON either');
    expect(await onFailure).toEqual(invalid([{ path: '', message: 'is a string that is not JSON' }], {}, 'the request is not JSON'));
    const onAnswer = nextEvent(socket, 'q1', 3000);
    socket.emit('request', { module: 'nope', command: 'list', requestId: 'q1' });
    expect(await onAnswer).toEqual(error(404, 'not_found', 'module nope not found', [], { module: 'nope', command: 'list', requestId: 'q1' }));
  });

  it('answered each request exactly once, and the same socket still serves a good request', async () => {
    await sleep(200);
    expect(received).toHaveLength(CASES.length + 2);
    expect(socket.connected).toBe(true);
    const answer = await rpc(socket, { module: 'users', command: 'list', payload: { sortBy: '-username' } });
    expect(answer).toEqual({ items: [expect.objectContaining({ username: 'admin' })], total: 1, page: 1, itemsPerPage: 10 });
  });

  it('a message over 100 KB ends that socket; the server goes on serving everyone else', async () => {
    const big = await connectSocket(server.url, { auth: { token } });
    const answers: string[] = [];
    big.onAny((event: string) => {
      if (event === 'big' || event === 'failure') answers.push(event);
    });
    const ended = nextEvent<string>(big, 'disconnect', 5000);
    big.emit('request', { module: 'users', command: 'list', requestId: 'big', payload: { search: 'x'.repeat(150_000) } });
    expect(await ended).toBe('transport close');
    expect(answers).toEqual([]);
    expect(server.process.exitCode).toBeNull();

    // Just under the limit is fine (and a long search is refused by validation, not by the transport).
    const near = await rpc(socket, { module: 'users', command: 'list', requestId: 'near', payload: { search: 'x'.repeat(90_000) } });
    expect(near.error).toMatchObject({ status: 400, code: 'validation_failed', details: [{ path: 'payload.search', message: expect.any(String) }] });
    expect((await rpc(socket, { module: 'users', command: 'read', entity: 1 })).username).toBe('admin');
    const fresh = await connectSocket(server.url, { auth: { token } });
    expect((await rpc(fresh, { module: 'users', command: 'read', entity: 1 })).username).toBe('admin');
    fresh.close();
  });
});

describe('malformed REST requests', () => {
  const json = { 'content-type': 'application/json' };
  const CASES: Array<[string, string, string, Parameters<TestServer['http']>[2], number, unknown]> = [
    [
      'a body that is not JSON',
      'POST',
      '/api/users',
      { rawBody: '{"username": "eve",', headers: json },
      400,
      error(400, 'validation_failed', "Body is not valid JSON but content-type is set to 'application/json'", [], {}),
    ],
    [
      'a body over 100 KB',
      'POST',
      '/api/users',
      { rawBody: JSON.stringify({ username: 'x'.repeat(120_000) }), headers: json },
      413,
      error(413, 'validation_failed', 'Request body is too large', [], {}),
    ],
    [
      'a JSON array body',
      'POST',
      '/api/users',
      { rawBody: '[]', headers: json },
      400,
      invalid([{ path: 'payload', message: 'Invalid input: expected object, received array' }], { module: 'users', command: 'create' }),
    ],
    [
      'a text body',
      'POST',
      '/api/users',
      { rawBody: 'username=eve', headers: { 'content-type': 'text/plain' } },
      415,
      error(415, 'validation_failed', 'request bodies must be JSON: send them with Content-Type: application/json', [], {}),
    ],
    [
      'no body',
      'POST',
      '/api/users',
      {},
      400,
      invalid([{ path: 'payload', message: 'is required' }], { module: 'users', command: 'create' }, 'payload is required for this command'),
    ],
    ['an unknown route', 'GET', '/api/users/1/friends', {}, 404, error(404, 'not_found', 'no such route', [], {})],
    ['a path outside the API', 'GET', '/wp-login.php', {}, 404, error(404, 'not_found', 'no such route', [], {})],
    ['a method a route does not have', 'POST', '/api/users/1', {}, 404, error(404, 'not_found', 'no such route', [], {})],
    ['an unknown module', 'GET', '/api/teapots', {}, 404, error(404, 'not_found', 'module teapots not found', [], { module: 'teapots', command: 'list' })],
    [
      'an id that is not a number',
      'PUT',
      '/api/users/abc',
      { body: { username: 'eve' } },
      400,
      invalid([{ path: 'entity', message: USER_ID }], { module: 'users', command: 'update' }),
    ],
    [
      'an unknown query parameter',
      'GET',
      '/api/users?limit=5',
      {},
      400,
      invalid([{ path: 'payload', message: 'Unrecognized key: "limit"' }], { module: 'users', command: 'list' }),
    ],
    [
      'itemsPerPage over 100',
      'GET',
      '/api/users?itemsPerPage=1000',
      {},
      400,
      invalid([{ path: 'payload.itemsPerPage', message: 'Too big: expected number to be <=100' }], { module: 'users', command: 'list' }),
    ],
    [
      'a search with a NUL character',
      'GET',
      '/api/users?search=a%00b',
      {},
      400,
      invalid([], { module: 'users', command: 'list' }, UNSTORABLE),
    ],
  ];

  it.each(CASES)('%s: %s %s answers in the one error shape', async (_name, method, path, options, status, body) => {
    const answer = await server.http(method, path, { token, ...options });
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual(body);
    expect(answer.text).not.toMatch(/\bat .+\.js:\d+|SELECT|INSERT|node_modules/);
  });

  it('still serves a good request afterwards', async () => {
    const answer = await server.http('GET', '/api/users', { token });
    expect(answer.status).toBe(200);
    expect(answer.body.total).toBe(1);
  });
});
