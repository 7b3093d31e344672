import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Socket } from 'socket.io-client';
import { connectSocket, rpc, startServer, type TestServer } from '../support/test-server.js';

// MediaMTX applies a path configuration named `all` or `all_others` to every path no other entry
// names (internal/conf/path.go): a camera of that name would become the source of all of them.
describe('camera path names MediaMTX reserves', () => {
  let server: TestServer;
  let admin: string;
  let socket: Socket;

  beforeAll(async () => {
    server = await startServer();
    admin = (await server.login()).bearer;
    socket = await connectSocket(server.url, { auth: { token: admin } });
  });
  afterAll(async () => {
    socket?.close();
    await server?.stop();
  });

  const reserved = { path: 'mtx_path', message: 'must not be all or all_others: MediaMTX applies those to every other path' };

  it.each(['all', 'all_others'])('refuses %s on create and update, over REST and Socket.IO', async (name) => {
    const created = await server.http('POST', '/api/cameras', { token: admin, body: { name: 'Catch-all', mtx_path: name, source_url: 'rtsp://192.0.2.60/live' } });
    expect(created.status).toBe(400);
    expect(created.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: `payload.${reserved.path}`, message: reserved.message }] });
    const overSocket = await rpc(socket, { module: 'cameras', command: 'create', payload: { name: 'Catch-all', mtx_path: name, source_url: 'rtsp://192.0.2.60/live' } });
    expect(overSocket.error).toMatchObject({ code: 'validation_failed', details: [{ path: `payload.${reserved.path}`, message: reserved.message }] });

    const camera = await server.http('POST', '/api/cameras', { token: admin, body: { name: `Fine ${name}`, mtx_path: `fine-${name}`, source_url: 'rtsp://192.0.2.61/live' } });
    expect(camera.status).toBe(201);
    const renamed = await server.http('PUT', `/api/cameras/${camera.body.id}`, { token: admin, body: { mtx_path: name } });
    expect(renamed.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: `payload.${reserved.path}`, message: reserved.message }] });
    const renamedOverSocket = await rpc(socket, { module: 'cameras', command: 'update', entity: camera.body.id, payload: { mtx_path: name } });
    expect(renamedOverSocket.error.code).toBe('validation_failed');
  });

  it('still takes names that only look alike, as MediaMTX does', async () => {
    for (const name of ['All', 'all-cams', 'all/front', 'front/all', 'all_others2']) {
      const created = await server.http('POST', '/api/cameras', { token: admin, body: { name: `Cam ${name}`, mtx_path: name, source_url: 'rtsp://192.0.2.62/live' } });
      expect(created.status).toBe(201);
    }
  });
});
