import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { io, type Socket, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { createDatabase } from './postgres.js';

// MTX_RELAY_MAIN runs another build of the server (say, one kept apart from a `dist` being rebuilt).
export const MAIN = process.env.MTX_RELAY_MAIN ?? fileURLToPath(new URL('../../dist/main.js', import.meta.url));
export const ADMIN_PASSWORD = 'admin-password-for-tests';
export const JWT_SECRET = 'a-test-jwt-secret-that-is-long-enough-0123456789';

export interface HttpAnswer<T = any> {
  status: number;
  body: T;
  text: string;
}

export interface TestServer {
  url: string;
  databaseUrl: string;
  /** Every line the server wrote to stdout and stderr so far. */
  output: string[];
  process: ChildProcess;
  http<T = any>(method: string, path: string, options?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<HttpAnswer<T>>;
  login(username?: string, password?: string): Promise<{ bearer: string; refresh: string; expiration: string; user: any }>;
  /** Stops the server with SIGTERM and waits for it to exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/** Delays the server holds at its test seams (src/common/test-seams.ts). */
export interface Seams {
  handshakeDelayMs?: number;
  replayDelayMs?: number;
  /** Before each take of stored MediaMTX hooks (`relayed_hooks`) by the instance running the background work. */
  relayedHooksDelayMs?: number;
  /** `module.command` whose audit insert throws, to show the change rolls back with it. */
  failAuditOf?: string;
}

export interface StartOptions {
  env?: Record<string, string>;
  databaseUrl?: string;
  /** Runs on the embedded PostgreSQL kept in this DATA_DIR (no DATABASE_URL), which outlives the server. */
  embeddedDataDir?: string;
  /** How long the start may take (default 30 s; the first start on the embedded PostgreSQL runs initdb). */
  startTimeoutMs?: number;
  /** Runs the build through test/support/seamed-main.mjs with these seams. */
  seams?: Seams;
  /** Working folder of the server (where it looks for .env); default its fresh DATA_DIR. */
  cwd?: string;
  /** Another build of the server to run (default MAIN). */
  main?: string;
}

const SEAMED_MAIN = fileURLToPath(new URL('./seamed-main.mjs', import.meta.url));

/** Boots the built server (dist/main.js) on a fresh database, as a user would run it. */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const adminUrl = process.env.TEST_POSTGRES_ADMIN_URL;
  if (!adminUrl && !options.databaseUrl && !options.embeddedDataDir) throw new Error('TEST_POSTGRES_ADMIN_URL is not set: run the tests through jest');
  const databaseUrl = options.embeddedDataDir ? '' : (options.databaseUrl ?? (await createDatabase(adminUrl!, `test_${randomBytes(6).toString('hex')}`)));
  const dataDir = options.embeddedDataDir ?? mkdtempSync(join(tmpdir(), 'mtx-relay-data-'));
  const seamed = options.seams ? { MTX_RELAY_RUN: join(dirname(MAIN), 'run.js'), TEST_SEAMS: JSON.stringify(options.seams) } : {};
  // A folder of its own, so that no .env of the checkout reaches the server.
  const workDir = options.cwd ?? mkdtempSync(join(tmpdir(), 'mtx-relay-cwd-'));
  const child = spawn(process.execPath, [options.seams ? SEAMED_MAIN : (options.main ?? MAIN)], {
    cwd: workDir,
    env: {
      ...seamed,
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      ADMIN_PASSWORD,
      JWT_SECRET,
      LOG_LEVEL: 'debug',
      // Suites make many requests quickly; the rate-limit suite sets its own budgets.
      RATE_LIMIT_RPS: '100000',
      RATE_LIMIT_BURST: '100000',
      RATE_LIMIT_USER_RPS: '100000',
      RATE_LIMIT_USER_BURST: '100000',
      LOGIN_RATE_PER_MINUTE: '100000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output.join('\n')}`)), options.startTimeoutMs ?? 30000);
    const onLine = (line: string) => {
      output.push(line);
      if (line.includes('"msg":"listening"')) {
        clearTimeout(timer);
        resolveUrl((JSON.parse(line) as { url: string }).url);
      }
    };
    let pending = { stdout: '', stderr: '' };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk: string) => {
        const lines = (pending[stream] + chunk).split('\n');
        pending = { ...pending, [stream]: lines.pop() ?? '' };
        lines.forEach(onLine);
      });
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output.join('\n')}`));
    });
  });

  const http = async <T>(method: string, path: string, opts: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<HttpAnswer<T>> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T, text };
  };

  // 'close', not 'exit': only then has every line the process wrote been read from its pipes.
  const exited = new Promise<number | null>((resolveExit) => child.once('close', (code) => resolveExit(code)));
  return {
    url,
    databaseUrl,
    output,
    process: child,
    http,
    async login(username = 'admin', password = ADMIN_PASSWORD) {
      const answer = await http<{ bearer: string; refresh: string; expiration: string; user: any }>('POST', '/api/auth', { body: { username, password } });
      if (answer.status !== 200) throw new Error(`login of ${username} failed: ${answer.text}`);
      return answer.body;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (!options.embeddedDataDir) rmSync(dataDir, { recursive: true, force: true });
      if (!options.cwd) rmSync(workDir, { recursive: true, force: true });
      return code;
    },
  };
}

export type ClientSocket = Socket;

/** Connects a socket.io client and resolves once connected; rejects with the connect_error. */
export function connectSocket(url: string, options: Partial<ManagerOptions & SocketOptions> = {}): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...options });
  return new Promise((resolveSocket, reject) => {
    socket.once('connect', () => resolveSocket(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

let requestCounter = 0;

/** Sends a `request` and resolves with the answer on its requestId event. */
export function rpc<T = any>(socket: Socket, request: { module: string; command: string; entity?: unknown; payload?: unknown; requestId?: string }): Promise<T> {
  const requestId = request.requestId ?? `r${++requestCounter}`;
  return new Promise((resolveAnswer, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${requestId}`)), 10000);
    socket.once(requestId, (answer: T) => {
      clearTimeout(timer);
      resolveAnswer(answer);
    });
    socket.emit('request', { ...request, requestId });
  });
}

/** Resolves with the next `event` on the socket, or rejects after `ms`. */
export function nextEvent<T = any>(socket: Socket, event: string, ms = 5000): Promise<T> {
  return new Promise((resolveEvent, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolveEvent(payload);
    });
  });
}
