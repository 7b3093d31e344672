import type { BenchEnvironment } from './servers.js';
import { startServer } from './servers.js';

/** What the scenarios use: tokens issued once for the whole run, and the camera the viewer may watch. */
export interface Seeded {
  adminToken: string;
  viewerToken: string;
  /** A camera granted to the viewer. */
  cameraId: number;
  mtxPath: string;
  /** The viewer's username and password (for the auth callback). */
  viewer: { user: string; pass: string };
  /** A stream token of the viewer for that camera. */
  streamToken: string;
}

export const CAMERAS = 10;

async function call<T>(url: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/**
 * Boots the relay once to migrate and fill the database: the admin (created at first start),
 * cameras, and a user granted the first camera. Both log in once; their tokens serve every
 * later server of the run (same database, same JWT secret), so no scenario logs in.
 */
export async function seed(bench: BenchEnvironment): Promise<Seeded> {
  const server = await startServer('relay', bench, undefined);
  try {
    const login = (username: string, password: string) => call<{ bearer: string }>(server.url, 'POST', '/api/auth', undefined, { username, password });
    const adminToken = (await login('admin', bench.adminPassword)).bearer;
    const cameras: Array<{ id: number; mtx_path: string }> = [];
    for (let index = 1; index <= CAMERAS; index += 1) {
      cameras.push(
        await call(server.url, 'POST', '/api/cameras', adminToken, {
          name: `bench cam ${index}`,
          description: `benchmark camera ${index}`,
          mtx_path: `bench/cam${index}`,
          source_url: `rtsp://127.0.0.1:8554/source${index}`,
        }),
      );
    }
    const camera = cameras[0];
    await call(server.url, 'POST', '/api/users', adminToken, { username: 'viewer', password: 'viewer-password-0', role: 'user', camera_ids: [camera.id] });
    const viewerToken = (await login('viewer', 'viewer-password-0')).bearer;
    // Path sync runs in the background: wait until the cameras are in the fake MediaMTX, so
    // every read sees the same state.
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const read = await call<{ status?: { sync?: string } }>(server.url, 'GET', `/api/cameras/${camera.id}`, viewerToken);
      if (read.status?.sync === 'ok') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { token: streamToken } = await call<{ token: string }>(server.url, 'POST', '/api/tokens', viewerToken, { camera_id: camera.id, label: 'bench' });
    return { adminToken, viewerToken, cameraId: camera.id, mtxPath: camera.mtx_path, viewer: { user: 'viewer', pass: 'viewer-password-0' }, streamToken };
  } finally {
    await server.stop();
  }
}
