import { FakeMediaMtx, type Fault, type FakeMediaMtxOptions } from './fake-mediamtx/index.js';
import { startServer, type TestServer } from './test-server.js';

export const HOOK_SECRET = 'hook-secret-for-the-tests-0123456789';
export const SERVICE_PASSWORD = 'service-password-for-the-tests-0123';

export interface RelayWithMediaMtx {
  fake: FakeMediaMtx;
  server: TestServer;
  /** The admin's bearer token. */
  admin: string;
  /** A REST call as the admin; throws on anything but a success. */
  api(method: string, path: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

export interface RelayWithMediaMtxOptions {
  fake?: FakeMediaMtxOptions;
  /** Set on the fake before the relay starts, so they meet the relay's very first requests. */
  faults?: Fault[];
  /** More of the relay's environment, or overrides. */
  relayEnv?: Record<string, string>;
}

/**
 * A fake MediaMTX and a relay pointed at it, with the admin logged in. The relay's periodic
 * reconciliation is five minutes away (MEDIAMTX_RECONCILE_SECONDS=300, unless `relayEnv` says
 * otherwise): whatever converges in a test converges through something else.
 */
export async function startRelayWithMediaMtx(options: RelayWithMediaMtxOptions = {}): Promise<RelayWithMediaMtx> {
  const fake = await FakeMediaMtx.start(options.fake);
  for (const fault of options.faults ?? []) fake.injectFault(fault);
  const server = await startServer({
    env: { MEDIAMTX_API_URL: fake.url, MEDIAMTX_HOOK_SECRET: HOOK_SECRET, MEDIAMTX_SERVICE_PASSWORD: SERVICE_PASSWORD, MEDIAMTX_RECONCILE_SECONDS: '300', ...options.relayEnv },
  }).catch(async (error: unknown) => {
    await fake.stop();
    throw error;
  });
  const admin = (await server.login()).bearer;
  const api = async (method: string, path: string, body?: unknown) => {
    const answer = await server.http(method, path, { token: admin, body });
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.text}`);
    return answer.body;
  };
  return {
    fake,
    server,
    admin,
    api,
    async close() {
      await server.stop();
      await fake.stop();
    },
  };
}
