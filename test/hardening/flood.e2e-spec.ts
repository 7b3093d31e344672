import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '../support/waiting.js';
import { connectSocket, type TestServer, startServer } from '../support/test-server.js';

// A slow refill, so that the refusals after the burst come in a row and the socket is told to stop.
const RATE = { RATE_LIMIT_RPS: '1', RATE_LIMIT_BURST: '100', RATE_LIMIT_STRIKES: '20' };

let server: TestServer;
let admin = '';
let cameraId = 0;

interface Flood {
  /** Every answer each requestId got, in arrival order. */
  answers: Map<string, any[]>;
  closed: boolean;
  toldToStop: boolean;
}

/**
 * Emits `count` requests at once on a fresh socket and collects the answers until the server,
 * which tells it to stop, has closed it. Over long-polling the client sends what queued up in
 * one HTTP body, so the server reads the whole flood in one go.
 */
async function flood(count: number, request: { module: string; command: string; entity?: unknown; payload?: unknown }, transport: 'websocket' | 'polling'): Promise<Flood> {
  const socket = await connectSocket(server.url, { auth: { token: admin }, transports: [transport], upgrade: false });
  const result: Flood = { answers: new Map(), closed: false, toldToStop: false };
  socket.onAny((event: string, payload: unknown) => {
    if (event === 'system:disconnect') result.toldToStop = true;
    if (!event.startsWith('flood-')) return;
    result.answers.set(event, [...(result.answers.get(event) ?? []), payload]);
  });
  socket.on('disconnect', (reason) => (result.closed ||= reason === 'io server disconnect'));
  for (let index = 0; index < count; index += 1) socket.emit('request', { ...request, requestId: `flood-${index}` });
  await eventually(() => result.closed, Boolean, 30000);
  socket.close();
  return result;
}

/** Resolves once the server's output has caught up with everything it logged before now. */
async function outputSettled(): Promise<void> {
  const refusals = () => server.output.filter((line) => line.includes('"msg":"system.read refused: 404 not_found"')).length;
  const before = refusals();
  const socket = await connectSocket(server.url, { auth: { token: admin } });
  socket.emit('request', { module: 'system', command: 'read', entity: 'not-a-ping', requestId: 'settle' });
  await eventually(refusals, (count) => count > before, 10000);
  socket.close();
}

/** Requests the server carried out, by their trace line. */
const served = (message: string): number => server.output.filter((line) => line.includes(`"msg":"${message}"`)).length;

const isRateLimited = (answer: any): boolean => answer?.error?.code === 'rate_limited' && answer.error.status === 429;

/** Checks that no request got two answers and that the socket was told why it was closed; returns the answers `isOk` accepts. */
function expectOneAnswerEach(result: Flood, isOk: (answer: any) => boolean): unknown[] {
  for (const [requestId, answers] of result.answers) {
    expect({ requestId, answers: answers.length }).toEqual({ requestId, answers: 1 });
    // A result, or an error in the one shape (rate_limited, mostly).
    expect(isOk(answers[0]) || typeof answers[0]?.error?.code === 'string').toBe(true);
  }
  expect(result.closed).toBe(true);
  expect(result.toldToStop).toBe(true);
  const refused = [...result.answers.values()].filter(([answer]) => isRateLimited(answer));
  expect(refused.length).toBeGreaterThanOrEqual(Number(RATE.RATE_LIMIT_STRIKES));
  return [...result.answers.values()].map(([answer]) => answer).filter(isOk);
}

beforeAll(async () => {
  server = await startServer({
    env: { LOG_LEVEL: 'trace', ...RATE },
  });
  admin = (await server.login()).bearer;
  const camera = await server.http('POST', '/api/cameras', { token: admin, body: { name: 'Flooded', mtx_path: 'flooded', source_url: 'rtsp://192.0.2.1/flooded' } });
  expect(camera.status).toBe(201);
  cameraId = camera.body.id;
});
afterAll(async () => {
  await server?.stop();
});

describe('a socket flooding past its rate limit', () => {
  it('gets an answer to every stream token it was given, before the socket is closed', async () => {
    const result = await flood(200, { module: 'tokens', command: 'create', payload: { camera_id: cameraId, label: 'flood' } }, 'websocket');
    const created = expectOneAnswerEach(result, (answer) => typeof answer?.token === 'string');
    await outputSettled();
    expect(created.length).toBe(served('tokens.create answered 201'));
    const listed = await server.http('GET', '/api/tokens?itemsPerPage=1', { token: admin });
    expect(listed.status).toBe(200);
    // Stream tokens are shown once: each one made has reached its owner.
    expect(created.length).toBe(listed.body.total);
    expect(created.length).toBeGreaterThan(0);
  });

  it('gets an answer to every ping it was served', async () => {
    const before = served('system.read answered 200');
    const result = await flood(160, { module: 'system', command: 'read', entity: 'ping' }, 'polling');
    const pongs = expectOneAnswerEach(result, (answer) => answer?.pong === true);
    // All but the first came in one body, long before the socket was closed.
    expect(result.answers.size).toBe(160);
    await outputSettled();
    expect(pongs.length).toBe(served('system.read answered 200') - before);
    expect(pongs.length).toBeGreaterThan(0);
  });
});
