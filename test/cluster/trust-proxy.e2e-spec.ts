import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startCluster, type Cluster } from '../support/cluster.js';
import { postFrom } from '../support/from-address.js';
import { connectSocket, rpc } from '../support/test-server.js';
import { eventually } from '../support/waiting.js';

let accounts = 0;
/** A wrong password for a new account name each time: the per-account back-off stays out of the way of the per-address budget. */
const wrong = () => ({ username: `nobody-${(accounts += 1)}`, password: 'not-the-password' });
const MAX_ATTEMPTS = 20;

/** Failed logins from `address` until two in a row are refused for rate (each instance refused one); how many it took. */
async function exhaust(address: string, url: string, headers: () => Record<string, string> = () => ({})): Promise<number> {
  let refusedInARow = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const answer = await postFrom(address, `${url}/api/auth`, wrong(), headers());
    refusedInARow = answer.status === 429 ? refusedInARow + 1 : 0;
    if (refusedInARow === 2) return attempt;
  }
  throw new Error(`${address} was not refused for rate in ${MAX_ATTEMPTS} attempts`);
}

describe('TRUST_PROXY through nginx in front of two instances', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    // nginx connects to the relays from 127.0.0.1; test clients come from 127.0.0.2 and up, "MediaMTX" from 127.0.0.8.
    cluster = await startCluster({ env: { TRUST_PROXY: '127.0.0.1', LOGIN_RATE_PER_MINUTE: '3', MEDIAMTX_AUTH_ALLOW_FROM: '127.0.0.8' } });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it("counts each client's failed logins against its own address, so one client does not lock out another", async () => {
    await exhaust('127.0.0.2', cluster.url);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      expect((await postFrom('127.0.0.3', `${cluster.url}/api/auth`, wrong())).status).toBe(401);
    }
  });

  it('ignores a spoofed X-Forwarded-For written by the client itself, through the proxy', async () => {
    await exhaust('127.0.0.4', cluster.url);
    expect((await postFrom('127.0.0.4', `${cluster.url}/api/auth`, wrong(), { 'x-forwarded-for': '127.0.0.5' })).status).toBe(429);
    expect((await postFrom('127.0.0.4', `${cluster.url}/api/auth`, wrong(), { 'x-forwarded-for': '127.0.0.5' })).status).toBe(429);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const direct = cluster.instances[0].url;
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      statuses.push((await postFrom('127.0.0.6', `${direct}/api/auth`, wrong(), { 'x-forwarded-for': `198.51.100.${attempt}` })).status);
    }
    // Budget 3 for the one address 127.0.0.6, whatever the header claimed.
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('knows a socket by the address the proxy saw at the handshake', async () => {
    const { bearer } = await cluster.instances[0].login();
    const socket = await connectSocket(cluster.url, { auth: { token: bearer }, localAddress: '127.0.0.7' } as never);
    try {
      await rpc(socket, { module: 'nothing-here', command: 'read' });
      const lines = () => cluster.instances.flatMap((instance) => instance.output);
      await eventually(
        () => lines().some((line) => line.includes('"address":"127.0.0.7"')),
        (found) => found,
      );
    } finally {
      socket.close();
    }
  });

  describe('the auth callback allow-list (MEDIAMTX_AUTH_ALLOW_FROM)', () => {
    // A read without credentials: an admitted caller gets the decision ("credentials required"), a refused one the caller check.
    const read = { action: 'read', path: 'gate', protocol: 'rtsp', ip: '192.0.2.1', id: null };
    const decided = (answer: { status: number; body: any }) => answer.status === 401 && answer.body.error.message === 'credentials required';
    const refusedCaller = (answer: { status: number; body: any }) => answer.status === 401 && /only MediaMTX may call this/.test(answer.body.error.message);

    it('admits an allowed address that the trusted proxy forwards', async () => {
      for (let attempt = 0; attempt < 2; attempt += 1) {
        // Round-robin: one call to each instance.
        expect(decided(await postFrom('127.0.0.8', `${cluster.url}/api/mediamtx/auth`, read))).toBe(true);
      }
    });

    it('refuses another address through the proxy, whatever X-Forwarded-For it writes', async () => {
      for (let attempt = 0; attempt < 2; attempt += 1) {
        expect(refusedCaller(await postFrom('127.0.0.9', `${cluster.url}/api/mediamtx/auth`, read, { 'x-forwarded-for': '127.0.0.8' }))).toBe(true);
      }
    });

    it('refuses an X-Forwarded-For naming the allowed address from a peer that is not a trusted proxy', async () => {
      const direct = cluster.instances[0].url;
      expect(refusedCaller(await postFrom('127.0.0.9', `${direct}/api/mediamtx/auth`, read, { 'x-forwarded-for': '127.0.0.8' }))).toBe(true);
      // The allowed address itself, directly: still admitted.
      expect(decided(await postFrom('127.0.0.8', `${direct}/api/mediamtx/auth`, read))).toBe(true);
    });
  });
});
