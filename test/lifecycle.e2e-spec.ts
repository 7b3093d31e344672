import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ADMIN_PASSWORD, MAIN, connectSocket, nextEvent, startServer } from './support/test-server.js';

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** Runs dist/main.js with `env` and resolves with its exit code and output. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), 20000);
  return new Promise((resolveRun) =>
    child.once('close', (code) => {
      clearTimeout(killer);
      resolveRun({ code, stdout, stderr });
    }),
  );
}

describe('start-up and shutdown', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtx-relay-lifecycle-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    ['PORT', 'notaport'],
    ['DATABASE_URL', 'mysql://db/relay'],
    ['JWT_SECRET', 'short'],
  ])('stops at once with exit code 1 and names %s when it is %s', async (name, value) => {
    const run = await runMain({ DATA_DIR: dataDir, [name]: value });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^mtx-relay: invalid configuration: ${name} must `));
    expect(run.stdout).not.toMatch(/listening/);
  });

  it('exits 0 on SIGTERM, answering a request that was in flight and closing live sockets', async () => {
    const server = await startServer();
    const { bearer } = await server.login();
    const socket = await connectSocket(server.url, { auth: { token: bearer } });
    const socketClosed = nextEvent<string>(socket, 'disconnect', 10000);

    // A login whose body is still arriving when the signal comes: the request is in flight.
    const body = JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD });
    const { port } = new URL(server.url);
    const call = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/auth', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    const answer = new Promise<{ status: number | undefined; body: any }>((resolveAnswer, reject) => {
      call.on('error', reject);
      call.on('response', (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolveAnswer({ status: response.statusCode, body: JSON.parse(text) }));
      });
    });
    call.flushHeaders();
    call.write(body.slice(0, 10));
    await sleep(300);

    const exitCode = server.stop();
    for (let waited = 0; !server.output.some((line) => line.includes('"msg":"shutting down"')) && waited < 5000; waited += 50) await sleep(50);
    expect(server.output.some((line) => line.includes('"msg":"shutting down"'))).toBe(true);
    await sleep(200);
    expect(server.process.exitCode).toBeNull();
    call.end(body.slice(10));

    const answered = await answer;
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ bearer: expect.any(String), refresh: expect.any(String), user: { username: 'admin' } });
    await expect(socketClosed).resolves.toEqual(expect.any(String));
    expect(await exitCode).toBe(0);
    expect(server.output.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
  });
});
