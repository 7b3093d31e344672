import { randomBytes } from 'node:crypto';
import { createDatabase } from './postgres.js';
import { startNginxProxy, type NginxProxy } from './nginx-proxy.js';
import { startServer, type StartOptions, type TestServer } from './test-server.js';

export interface Cluster {
  /** The relays, all on one database. */
  instances: TestServer[];
  proxy: NginxProxy;
  /** The proxy's URL: what clients use. */
  url: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

/** Settings every instance of one deployment shares. */
export const SHARED_SECRETS = {
  MEDIAMTX_HOOK_SECRET: 'a-hook-secret-shared-by-every-instance',
  MEDIAMTX_SERVICE_PASSWORD: 'a-service-password-shared-by-all',
  SECRETS_KEY: '5e1f0a9c3b7d2e4f6a8c0b1d3f5e7a9c2b4d6f8e0a1c3e5f7b9d1f3a5c7e9b0d',
};

/**
 * `count` relays on one fresh PostgreSQL database behind Debian's nginx (round-robin, WebSocket
 * upgrades passed through). Started one after another, so that the first runs the migrations.
 */
export async function startCluster(options: StartOptions & { count?: number } = {}): Promise<Cluster> {
  const databaseUrl = options.databaseUrl ?? (await createDatabase(process.env.TEST_POSTGRES_ADMIN_URL!, `test_${randomBytes(6).toString('hex')}`));
  const instances: TestServer[] = [];
  let proxy: NginxProxy | undefined;
  const stop = async (): Promise<void> => {
    await proxy?.stop();
    await Promise.all(instances.map((instance) => instance.stop()));
  };
  try {
    for (let index = 0; index < (options.count ?? 2); index += 1) {
      instances.push(await startServer({ ...options, databaseUrl, env: { ...SHARED_SECRETS, INSTANCE_NAME: `relay-${index + 1}`, ...options.env } }));
    }
    proxy = await startNginxProxy(instances.map((instance) => instance.url));
  } catch (error) {
    await stop();
    throw error;
  }
  return { instances, proxy, url: proxy.url, databaseUrl, stop };
}
