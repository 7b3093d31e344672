import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, RelayError, type RelayClient, type TopicPayload } from '@mtx-relay/client';
import { eventually } from '../support/waiting.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
let client: RelayClient;

beforeAll(async () => {
  server = await startServer();
  client = await createClient({ url: server.url, username: 'admin', password: ADMIN_PASSWORD });
});

afterAll(async () => {
  client?.close();
  await server?.stop();
});

describe('the client', () => {
  it('signs in, answers a typed request and hears the topic it caused', async () => {
    expect(client.state).toBe('connected');
    expect(client.user?.username).toBe('admin');
    const heard: TopicPayload[] = [];
    const stop = client.on('camera:created', (event) => heard.push(event));
    const camera = await client.request('cameras', 'create', { payload: { name: 'core', mtx_path: 'core', source_url: 'rtsp://127.0.0.1:8554/core' } });
    expect(camera.name).toBe('core');
    const read = await client.request('cameras', 'read', { entity: camera.id });
    expect(read.mtx_path).toBe('core');
    await eventually(() => heard.length, (count) => count === 1);
    expect(heard[0]).toMatchObject({ domain: 'camera', event: 'created', entity: camera.id });
    stop();
  });

  it('rejects with the server code, status and details', async () => {
    const refusal = await client.request('cameras', 'read', { entity: 999999 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RelayError);
    expect(refusal).toMatchObject({ code: 'not_found', status: 404 });
    const invalid = await client.request('users', 'create', { payload: { username: '', password: 'x' } }).catch((error: unknown) => error);
    expect(invalid).toMatchObject({ code: 'validation_failed', status: 400 });
    expect((invalid as RelayError).details.length).toBeGreaterThan(0);
  });
});
