import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readLines, spawnPinned, stopProcess } from './proc.js';

/** The relay as users run it (`npm run build`, then `node dist/main.js`), and the two baselines. */
export type ServerKind = 'relay' | 'socketio' | 'fastify';

const PROGRAMS: Record<ServerKind, string> = {
  // MTX_RELAY_MAIN runs another build of the relay (as in the tests), e.g. a copy of dist/ kept
  // from before a change, for before/after numbers.
  relay: process.env.MTX_RELAY_MAIN ?? fileURLToPath(new URL('../../dist/main.js', import.meta.url)),
  socketio: fileURLToPath(new URL('../baseline/socketio-server.js', import.meta.url)),
  fastify: fileURLToPath(new URL('../baseline/fastify-server.js', import.meta.url)),
};

/** What every server of the run shares: one database, one JWT secret, one hook secret, one fake MediaMTX. */
export interface BenchEnvironment {
  databaseUrl: string;
  dataDir: string;
  adminPassword: string;
  jwtSecret: string;
  hookSecret: string;
  servicePassword: string;
  mediamtxUrl: string;
}

export interface RunningServer {
  kind: ServerKind;
  url: string;
  pid: number;
  /** Every process whose CPU and memory the run counts (the server; for several relays behind nginx, all of them and nginx). */
  pids: number[];
  child: ChildProcess;
  /** The last lines it printed. */
  tail: string[];
  stop(): Promise<void>;
}

const HIGH = '1000000000';

function environmentOf(kind: ServerKind, bench: BenchEnvironment): NodeJS.ProcessEnv {
  const common = {
    PATH: process.env.PATH,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: bench.databaseUrl,
    JWT_SECRET: bench.jwtSecret,
    MEDIAMTX_HOOK_SECRET: bench.hookSecret,
    MEDIAMTX_API_URL: bench.mediamtxUrl,
  };
  if (kind !== 'relay') return common;
  return {
    ...common,
    DATA_DIR: bench.dataDir,
    ADMIN_PASSWORD: bench.adminPassword,
    MEDIAMTX_SERVICE_PASSWORD: bench.servicePassword,
    // info is the default level: what a user runs.
    LOG_LEVEL: 'info',
    // Tokens are issued once per benchmark run and must outlive it.
    ACCESS_TOKEN_TTL: '24h',
    // The benchmark measures throughput, not the limits: every budget far above the load.
    RATE_LIMIT_RPS: HIGH,
    RATE_LIMIT_BURST: HIGH,
    RATE_LIMIT_USER_RPS: HIGH,
    RATE_LIMIT_USER_BURST: HIGH,
    LOGIN_RATE_PER_MINUTE: HIGH,
    RATE_LIMIT_STRIKES: HIGH,
  };
}

/** The relay build `startServer('relay', …)` runs unless given another. */
export const RELAY_MAIN = PROGRAMS.relay;

/** Starts one server pinned to `core` and resolves once it listens; `program` runs another build of the relay, `env` adds to its environment. */
export async function startServer(kind: ServerKind, bench: BenchEnvironment, core: number | undefined, program = PROGRAMS[kind], env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  // BENCH_CPU_PROF=<folder> writes a V8 CPU profile of each server run there, named after its kind (open it in Chrome DevTools).
  const folder = process.env.BENCH_CPU_PROF;
  const profile = folder ? ['--cpu-prof', `--cpu-prof-dir=${folder}`, `--cpu-prof-name=${kind}-${Date.now()}.cpuprofile`] : [];
  const child = spawnPinned(core, process.execPath, [...profile, program], { ...environmentOf(kind, bench), ...env });
  child.stdin?.end();
  let onListening: (url: string) => void = () => undefined;
  const listening = new Promise<string>((resolve) => (onListening = resolve));
  const tail = readLines(child, (line) => {
    if (!line.includes('"msg":"listening"')) return;
    try {
      onListening((JSON.parse(line) as { url: string }).url);
    } catch {
      // not the line we wait for
    }
  });
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${kind} did not start within 60 s:\n${tail.join('\n')}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code} before listening:\n${tail.join('\n')}`)));
  });
  try {
    const url = await Promise.race([listening, failed]);
    failed.catch(() => undefined);
    return { kind, url, pid: child.pid!, pids: [child.pid!], child, tail, stop: () => stopProcess(child) };
  } catch (error) {
    await stopProcess(child, 2000);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
