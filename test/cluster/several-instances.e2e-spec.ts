import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startCluster, SHARED_SECRETS, type Cluster } from '../support/cluster.js';
import { io } from 'socket.io-client';
import { rpc, startServer, type ClientSocket } from '../support/test-server.js';
import { eventually } from '../support/waiting.js';

interface Session {
  socket: ClientSocket;
  instance: string;
  init: any;
  events: Array<{ event: string; payload: any }>;
}

const PASSWORD = 'a-password-of-carol-123';

/** Connects through the proxy and records everything the socket receives. */
async function connect(url: string, token: string): Promise<Session> {
  const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true, autoConnect: false });
  const events: Session['events'] = [];
  // Listening before connecting: `init` follows the connection at once.
  socket.onAny((event: string, payload: unknown) => events.push({ event, payload }));
  socket.connect();
  const init: any = await eventually(
    () => events.find((entry) => entry.event === 'init')?.payload,
    (found) => found !== undefined,
  );
  return { socket, instance: init.server.instance, init, events };
}

/** Sockets through the proxy until there is one on each instance (round-robin places them in turn); the extra ones are closed. */
async function onEachInstance(cluster: Cluster, token: string): Promise<Map<string, Session>> {
  const placed = new Map<string, Session>();
  for (let attempt = 0; attempt < 8 && placed.size < cluster.instances.length; attempt += 1) {
    const session = await connect(cluster.url, token);
    if (placed.has(session.instance)) session.socket.close();
    else placed.set(session.instance, session);
  }
  if (placed.size < cluster.instances.length) throw new Error('the proxy did not spread sockets over both instances');
  return placed;
}

const presenceOf = (session: Session, userId: number) =>
  session.events.filter(({ event, payload }) => (event === 'users:online' || event === 'users:offline') && payload.entity === userId).map(({ event }) => event);

describe('several instances behind nginx, one PostgreSQL', () => {
  let cluster: Cluster;
  let admin: string;
  const sockets: ClientSocket[] = [];

  const api = async (method: string, path: string, body?: unknown, token = admin) => {
    const response = await fetch(`${cluster.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const createUser = async (username: string) => (await api('POST', '/api/users', { username, password: PASSWORD })).body as { id: number };
  const login = async (username: string, password = PASSWORD) => {
    const response = await fetch(`${cluster.url}/api/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    cluster = await startCluster({ env: { BACKGROUND_LOCK_RETRY: '1' } });
    admin = (await cluster.instances[0].login()).bearer;
  }, 120_000);
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await cluster?.stop();
  });

  it('shows a user online on one instance to admins on every instance, once per user', async () => {
    const admins = await onEachInstance(cluster, admin);
    admins.forEach((session) => sockets.push(session.socket));
    const carol = await createUser('carol');
    const carolToken = (await login('carol')).body.bearer as string;
    const carols = await onEachInstance(cluster, carolToken);
    const expectBoth = (events: string[]) => {
      for (const session of admins.values()) expect(presenceOf(session, carol.id)).toEqual(events);
    };
    await eventually(() => [...admins.values()].map((session) => presenceOf(session, carol.id).length), (counts) => counts.every((count) => count === 1));
    expectBoth(['users:online']);

    // A new admin socket, on whichever instance, counts carol's sockets on both.
    const late = await connect(cluster.url, admin);
    sockets.push(late.socket);
    expect(late.init.usersOnline).toEqual(expect.arrayContaining([{ id: carol.id, username: 'carol', sockets: 2 }]));

    const [first, second] = [...carols.values()];
    first.socket.close();
    // Still online on the other instance: no offline anywhere.
    await eventually(() => connect(cluster.url, admin), (session) => {
      session.socket.close();
      return session.init.usersOnline.some((entry: any) => entry.id === carol.id && entry.sockets === 1);
    });
    second.socket.close();
    await eventually(() => [...admins.values()].map((session) => presenceOf(session, carol.id).length), (counts) => counts.every((count) => count === 2));
    expectBoth(['users:online', 'users:offline']);
  });

  it('takes the sockets of an instance that dies offline', async () => {
    const dave = await createUser('dave');
    const daveToken = (await login('dave')).body.bearer as string;
    const watcher = await connect(cluster.url, admin);
    sockets.push(watcher.socket);
    const doomed = await startServer({ databaseUrl: cluster.databaseUrl, env: { ...SHARED_SECRETS, INSTANCE_NAME: 'relay-doomed' } });
    try {
      const direct = await connect(doomed.url, daveToken);
      expect(direct.instance).toBe('relay-doomed');
      await eventually(() => presenceOf(watcher, dave.id), (events) => events.length === 1);
      doomed.process.kill('SIGKILL');
      await eventually(() => presenceOf(watcher, dave.id), (events) => events.length === 2, 30_000);
      expect(presenceOf(watcher, dave.id)).toEqual(['users:online', 'users:offline']);
      direct.socket.close();
    } finally {
      await doomed.stop();
    }
  });

  it('counts wrong passwords sent to either instance against one back-off', async () => {
    await createUser('erin');
    // LOGIN_FREE_ATTEMPTS is 5: the fifth failure makes the sixth attempt wait, whichever instance each one reached.
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) statuses.push((await login('erin', 'wrong-password')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    for (const instance of cluster.instances) expect(instance.output.some((line) => line.includes('refused: 401 unauthorized'))).toBe(true);
    const sixth = await login('erin', 'wrong-password');
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.message).toMatch(/too many failed logins for this account/);
  });

  it("lets an admin follow every instance's log lines, each naming its instance", async () => {
    const admins = await onEachInstance(cluster, admin);
    admins.forEach((session) => sockets.push(session.socket));
    const follower = admins.get('relay-1')!;
    expect(await rpc(follower.socket, { module: 'logs', command: 'update', payload: { level: 'warn', instances: 'all' } })).toEqual({ level: 50, instances: 'all' });
    // A hook with a wrong secret is logged at warn by the instance that gets it: here the second one, directly.
    await fetch(`${cluster.instances[1].url}/api/mediamtx/hooks/ready`, { method: 'POST', headers: { 'x-mtx-path': 'cam', 'x-hook-secret': 'wrong' } });
    const line = await eventually(
      () => follower.events.find(({ event, payload }) => event === 'log' && payload.instance === 'relay-2'),
      (found) => found !== undefined,
    );
    expect(line!.payload).toMatchObject({ level: 50, instance: 'relay-2', msg: expect.stringContaining('refused a MediaMTX hook') });
    // An admin who did not ask follows only its own instance.
    const other = admins.get('relay-2')!;
    const own = other.events.filter(({ event }) => event === 'log');
    expect(own.every(({ payload }) => payload.instance === 'relay-2')).toBe(true);
  });

  it("passes other instances' lines at the level the admin follows, below info too", async () => {
    const admins = await onEachInstance(cluster, admin);
    admins.forEach((session) => sockets.push(session.socket));
    const follower = admins.get('relay-1')!;
    expect(await rpc(follower.socket, { module: 'logs', command: 'update', payload: { level: 'debug', instances: 'all' } })).toEqual({ level: 30, instances: 'all' });
    // A refused request is logged at debug by the instance that gets it: here the second one, directly.
    // Sent again until the line arrives: the first instance tells the second what it follows asynchronously.
    const line = await eventually(
      async () => {
        await fetch(`${cluster.instances[1].url}/api/cameras/987654`, { headers: { authorization: `Bearer ${admin}` } });
        return follower.events.find(({ event, payload }) => event === 'log' && payload.instance === 'relay-2' && payload.msg.includes('refused: 404'));
      },
      (found) => found !== undefined,
      15_000,
      250,
    );
    expect(line!.payload).toMatchObject({ level: 30, instance: 'relay-2' });
  });

  it('resumes on the other instance from the last seq seen on the first', async () => {
    const first = await connect(cluster.url, admin);
    await rpc(first.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['users:*'] } });
    const frank = await createUser('frank');
    const seen = await eventually(
      () => first.events.find(({ event, payload }) => event === 'users:created' && payload.entity === frank.id),
      (found) => found !== undefined,
    );
    const resumeFrom = seen!.payload.seq as number;
    first.socket.close();
    // Missed while away.
    await api('PUT', `/api/users/${frank.id}`, { username: 'frank-1' });
    await api('PUT', `/api/users/${frank.id}`, { username: 'frank-2' });
    let second = await connect(cluster.url, admin);
    for (let attempt = 0; attempt < 4 && second.instance === first.instance; attempt += 1) {
      second.socket.close();
      second = await connect(cluster.url, admin);
    }
    sockets.push(second.socket);
    expect(second.instance).not.toBe(first.instance);
    const answer = await rpc(second.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['users:*'], since: resumeFrom } });
    expect(answer.replayed).toBeGreaterThanOrEqual(2);
    const names = second.events.filter(({ event, payload }) => event === 'users:updated' && payload.entity === frank.id).map(({ payload }) => payload.details.username);
    expect(names).toEqual(['frank-1', 'frank-2']);
  });
});
