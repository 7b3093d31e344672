/**
 * The client's own cost per request: the same `system read ping` requests through
 * @mtx-relay/client and through a bare socket.io-client socket (the answer awaited on the
 * event its requestId names, as the client does), against one relay, alternating rounds.
 *
 *   npm run bench:client              full length
 *   npm run bench:client -- --quick   a short run
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type RelayClient } from '@mtx-relay/client';
import { io, type Socket } from 'socket.io-client';
import { startFakeMediaMtx } from './lib/fake-mediamtx.js';
import { startPostgres } from './lib/postgres.js';
import { startServer, type BenchEnvironment } from './lib/servers.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 5;
const REQUESTS = quick ? 2000 : 10_000;
const IN_FLIGHT = [1, 32];
const RESULTS = fileURLToPath(new URL('../bench/results/', import.meta.url));

type Send = () => Promise<unknown>;

/** Requests per second for `total` requests with `inFlight` at a time. */
async function rate(send: Send, total: number, inFlight: number): Promise<number> {
  let started = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (started < total) {
        started++;
        await send();
      }
    }),
  );
  return total / ((performance.now() - begin) / 1000);
}

function rawSender(socket: Socket): Send {
  let counter = 0;
  return () =>
    new Promise((resolve) => {
      const requestId = `raw-${++counter}`;
      socket.once(requestId, resolve);
      socket.emit('request', { module: 'system', command: 'read', entity: 'ping', requestId });
    });
}

const clientSender = (client: RelayClient): Send => () => client.request('system', 'read', { entity: 'ping' });

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'mtx-relay-bench-client-'));
  const postgres = await startPostgres();
  const mediamtx = await startFakeMediaMtx();
  const bench: BenchEnvironment = {
    databaseUrl: postgres.url,
    dataDir: join(workDir, 'data'),
    adminPassword: 'bench-admin-password',
    jwtSecret: randomBytes(32).toString('base64url'),
    hookSecret: randomBytes(16).toString('hex'),
    servicePassword: randomBytes(16).toString('hex'),
    mediamtxUrl: mediamtx.url,
  };
  const server = await startServer('relay', bench, undefined);
  try {
    const client = await createClient({ url: server.url, username: 'admin', password: bench.adminPassword, socketOptions: { transports: ['websocket'] } });
    const socket = io(server.url, { auth: { token: client.token }, transports: ['websocket'] });
    await new Promise<void>((connected) => socket.once('connect', () => connected()));
    const sides = { raw: rawSender(socket), client: clientSender(client) };
    const report: Record<string, { raw: number; client: number; ratio: number }> = {};
    for (const inFlight of IN_FLIGHT) {
      // Warm both paths up, then alternate so that drift hits both sides alike.
      await rate(sides.raw, REQUESTS / 4, inFlight);
      await rate(sides.client, REQUESTS / 4, inFlight);
      const rates = { raw: [] as number[], client: [] as number[] };
      for (let round = 0; round < ROUNDS; round++) {
        rates.raw.push(await rate(sides.raw, REQUESTS, inFlight));
        rates.client.push(await rate(sides.client, REQUESTS, inFlight));
      }
      const raw = median(rates.raw);
      const viaClient = median(rates.client);
      report[`in flight ${inFlight}`] = { raw, client: viaClient, ratio: viaClient / raw };
      process.stdout.write(`in flight ${String(inFlight).padStart(2)}: raw ${raw.toFixed(0)} req/s, client ${viaClient.toFixed(0)} req/s, ratio ${(viaClient / raw).toFixed(2)}\n`);
    }
    socket.close();
    client.close();
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'client-overhead.json'), `${JSON.stringify({ quick, rounds: ROUNDS, requests: REQUESTS, report }, null, 2)}\n`);
  } finally {
    await server.stop();
    await mediamtx.close();
    await postgres.destroy();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
