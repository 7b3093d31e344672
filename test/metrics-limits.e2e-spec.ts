import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Socket } from 'socket.io-client';
import { METRICS_TOKEN, scrape, valueOf } from './support/metrics.js';
import { ADMIN_PASSWORD, connectSocket, startServer, type TestServer } from './support/test-server.js';
import { eventually } from './support/waiting.js';

// Budgets that refill too slowly to matter while the tests run (one request per 100 s): a
// socket may make 10 requests, a user 15, the REST address 10, and an address may log in once.
const LIMITS = {
  RATE_LIMIT_RPS: '0.01',
  RATE_LIMIT_BURST: '10',
  RATE_LIMIT_USER_RPS: '0.01',
  RATE_LIMIT_USER_BURST: '15',
  RATE_LIMIT_STRIKES: '3',
  LOGIN_RATE_PER_MINUTE: '1',
};

interface Answered {
  answers: Map<string, any>;
  toldToStop: boolean;
  closedByServer: boolean;
}

/** Records a socket's answers to requests whose ids start with `prefix`, and whether the server closed it. */
function answersOf(socket: Socket, prefix: string): Answered {
  const seen: Answered = { answers: new Map(), toldToStop: false, closedByServer: false };
  socket.onAny((event: string, payload: unknown) => {
    if (event === 'system:disconnect') seen.toldToStop = true;
    if (event.startsWith(prefix)) seen.answers.set(event, payload);
  });
  socket.on('disconnect', (reason) => (seen.closedByServer ||= reason === 'io server disconnect'));
  return seen;
}

/** Emits pings `from` … `to - 1` at once and waits for their answers (or for the socket to be closed). */
async function ping(socket: Socket, seen: Answered, prefix: string, from: number, to: number): Promise<void> {
  for (let index = from; index < to; index += 1) socket.emit('request', { module: 'system', command: 'read', entity: 'ping', requestId: `${prefix}${index}` });
  await eventually(() => seen.answers.size >= to || seen.closedByServer, Boolean, 15000);
}

const refusedBy = (seen: Answered): number => [...seen.answers.values()].filter((answer) => answer?.error?.code === 'rate_limited').length;

describe('rate-limit metrics', () => {
  let server: TestServer;
  let admin = '';

  beforeAll(async () => {
    server = await startServer({ env: { METRICS_TOKEN, ...LIMITS } });
    admin = (await server.login()).bearer;
  }, 60000);
  afterAll(async () => {
    await server?.stop();
  });

  const moved = (before: string, after: string, name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);

  it('counts refusals by budget (connection, user, login) and the socket disconnected for repeated abuse', async () => {
    const before = await scrape(server);

    // A socket's own budget: 10 answered, then 3 refusals in a row (sent after those answers, so
    // that none of them comes between the refusals), which end the socket.
    const flooding = await connectSocket(server.url, { auth: { token: admin } });
    const flood = answersOf(flooding, 'flood-');
    await ping(flooding, flood, 'flood-', 0, 10);
    expect(refusedBy(flood)).toBe(0);
    await ping(flooding, flood, 'flood-', 10, 13);
    await eventually(() => flood.closedByServer, Boolean, 15000);
    flooding.close();
    expect({ refused: refusedBy(flood), toldToStop: flood.toldToStop }).toEqual({ refused: 3, toldToStop: true });

    // A fresh socket of the same user: its own budget is full, the user's has 5 requests left.
    const second = await connectSocket(server.url, { auth: { token: admin } });
    try {
      const calm = answersOf(second, 'calm-');
      await ping(second, calm, 'calm-', 0, 6);
      expect({ answered: calm.answers.size, refused: refusedBy(calm) }).toEqual({ answered: 6, refused: 1 });
    } finally {
      second.close();
    }

    // The address logged in once already (beforeAll): the next login is refused.
    const login = await server.http('POST', '/api/auth', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect({ status: login.status, code: login.body?.error?.code }).toEqual({ status: 429, code: 'rate_limited' });

    const after = await scrape(server);
    expect({
      connection: moved(before, after, 'mtx_relay_rate_limit_refusals_total', { budget: 'connection' }),
      user: moved(before, after, 'mtx_relay_rate_limit_refusals_total', { budget: 'user' }),
      login: moved(before, after, 'mtx_relay_rate_limit_refusals_total', { budget: 'login' }),
      strikes: moved(before, after, 'mtx_relay_rate_limit_strike_disconnects_total'),
    }).toEqual({ connection: 3, user: 1, login: 1, strikes: 1 });
  }, 60000);
});
