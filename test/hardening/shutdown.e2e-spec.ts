import { Agent, request } from 'node:http';
import { afterAll, describe, expect, it } from '@jest/globals';
import { eventually } from '../support/waiting.js';
import { connectSocket, startServer, type TestServer } from '../support/test-server.js';

const PIPELINED = 87;
const PASSWORD = 'a-pipelined-password-1';

interface KeptAlive {
  status: number | undefined;
  body: any;
  /** Whether the request went over a connection opened before. */
  reused: boolean;
}

/** A GET over `agent`, which keeps its one connection open between requests. */
function keptAliveGet(server: TestServer, agent: Agent, path: string): Promise<KeptAlive> {
  const { port } = new URL(server.url);
  return new Promise((resolveAnswer, reject) => {
    const call = request({ host: '127.0.0.1', port, path, agent }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolveAnswer({ status: response.statusCode, body: JSON.parse(text), reused: call.reusedSocket }));
    });
    call.on('error', reject);
    call.end();
  });
}

const logged = (server: TestServer, message: string): boolean => server.output.some((line) => line.includes(`"msg":"${message}"`));

describe('SIGTERM under load', () => {
  const started: TestServer[] = [];
  afterAll(async () => {
    for (const server of started) await server.stop();
  });

  it('answers every request in flight, refuses new ones with unavailable on both transports, and exits 0', async () => {
    // Some 87 password hashes take a few seconds, and many more on a busy machine: a grace that covers them.
    const server = await startServer({ env: { SHUTDOWN_GRACE: '60s' } });
    started.push(server);
    const { bearer } = await server.login();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await keptAliveGet(server, agent, '/api/health')).status).toBe(200);

    const socket = await connectSocket(server.url, { auth: { token: bearer } });
    const toldShutdown = new Promise((resolveNotice) => socket.once('system:shutdown', resolveNotice));
    const answers = new Map<string, unknown[]>();
    socket.onAny((event: string, payload: unknown) => {
      if (event.startsWith('create-')) answers.set(event, [...(answers.get(event) ?? []), payload]);
    });
    const names = Array.from({ length: PIPELINED }, (_, index) => `pipelined-${index}`);
    names.forEach((username, index) => socket.emit('request', { module: 'users', command: 'create', payload: { username, password: PASSWORD }, requestId: `create-${index}` }));
    // Work has begun: the rest are in flight, each a password hash of some tens of milliseconds.
    await eventually(() => answers.size, (count) => count > 0, 20000, 10);
    const exited = server.stop();
    await eventually(() => logged(server, 'shutting down'), Boolean, 5000, 10);

    // Arriving after the signal: on a connection opened before it, on a new one, as a new socket.
    const keptAlive = await keptAliveGet(server, agent, '/api/health');
    expect(keptAlive.reused).toBe(true);
    const unavailable = { status: 503, code: 'unavailable', message: expect.stringContaining('shutting down'), details: [{ retryAfterMs: expect.any(Number) }] };
    expect(keptAlive).toMatchObject({ status: 503, body: { error: { ...unavailable, context: {} } } });
    const fresh = await server.http('GET', '/api/health');
    expect({ status: fresh.status, body: fresh.body }).toMatchObject({ status: 503, body: { error: unavailable } });
    await expect(toldShutdown).resolves.toEqual({ reconnectAfterMs: 5000 });
    const refusedSocket = await connectSocket(server.url, { auth: { token: bearer } }).then(
      () => 'connected',
      (error: { data?: unknown }) => error.data,
    );
    expect(refusedSocket).toMatchObject(unavailable);
    const late = await new Promise<any>((resolveAnswer) => {
      socket.once('late', resolveAnswer);
      socket.once('disconnect', () => resolveAnswer('disconnected without an answer'));
      socket.emit('request', { module: 'system', command: 'read', entity: 'ping', requestId: 'late' });
    });
    expect(late).toEqual({ error: { ...unavailable, context: { module: 'system', command: 'read', requestId: 'late' } } });

    expect(await exited).toBe(0);
    agent.destroy();
    socket.close();
    expect(logged(server, 'stopped')).toBe(true);

    // Exactly one answer each: the user, or unavailable for those that came after the signal.
    const created: string[] = [];
    names.forEach((username, index) => {
      const received = answers.get(`create-${index}`) ?? [];
      expect({ username, answers: received.length }).toEqual({ username, answers: 1 });
      const [answer] = received as any[];
      if (answer.error) expect(answer.error).toMatchObject({ status: 503, code: 'unavailable' });
      else {
        expect(answer).toMatchObject({ id: expect.any(Number), username });
        created.push(username);
      }
    });
    expect(created.length).toBeGreaterThan(1);

    // Those answered with a user exist, and no others.
    const again = await startServer({ databaseUrl: server.databaseUrl });
    started.push(again);
    const listed = await again.http('GET', '/api/users?search=pipelined-&itemsPerPage=100', { token: (await again.login()).bearer });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((user: { username: string }) => user.username).sort()).toEqual(created.sort());
  }, 180_000);
});
