import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectSocket, rpc, startServer, type TestServer } from './support/test-server.js';

describe('smoke', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('logs in over REST and lists users over the socket', async () => {
    const tokens = await server.login();
    const socket = await connectSocket(server.url, { auth: { token: tokens.bearer } });
    const answer = await rpc(socket, { module: 'users', command: 'list' });
    expect(answer.items.map((user: { username: string }) => user.username)).toEqual(['admin']);
    socket.close();
  });
});
