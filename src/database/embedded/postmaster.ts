import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import { StartupError } from '../../common/startup-error.js';
import type { PostgresBinaries } from './binaries.js';
import type { PostgresUser } from './postgres-user.js';

/** How to run the PostgreSQL programs: which ones, as whom, and where their output goes. */
export interface PostgresRunner {
  binaries: PostgresBinaries;
  user: PostgresUser | undefined;
  logger: Logger;
}

export interface PostmasterExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const READY = 'database system is ready to accept connections';
const KEPT_LINES = 10;

/**
 * Spawns a PostgreSQL program with its messages in English (they are matched and quoted),
 * logs its output at trace level and keeps the last lines for an error message.
 */
function spawnProgram(runner: PostgresRunner, program: string, args: string[], onLine: (line: string) => void = () => undefined) {
  const child = spawn(program, args, {
    ...runner.user,
    // Its own process group: a Ctrl-C in the terminal reaches the relay, which stops PostgreSQL after its own requests.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const recent: string[] = [];
  let pending = '';
  const read = (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines.filter((text) => text.trim() !== '')) {
      runner.logger.trace({ service: 'postgres' }, line);
      recent.push(line.trim());
      if (recent.length > KEPT_LINES) recent.shift();
      onLine(line);
    }
  };
  child.stdout?.setEncoding('utf8').on('data', read);
  child.stderr?.setEncoding('utf8').on('data', read);
  return { child, recent };
}

function cannotRun(program: string, error: Error): StartupError {
  return new StartupError(`could not run the embedded PostgreSQL's ${basename(program)} (${error.message}): set DATABASE_URL to a PostgreSQL server, or check that the folders on its way are open to the user running it`);
}

const describeExit = ({ code, signal }: PostmasterExit) => (signal ? `killed by ${signal}` : `exit code ${code}`);

/** Creates the data folder; the superuser's password is read from `passwordFile`, which the caller keeps private. */
export function initdb(runner: PostgresRunner, databaseDir: string, passwordFile: string): Promise<void> {
  const args = [`--pgdata=${databaseDir}`, '--auth=password', '--username=postgres', `--pwfile=${passwordFile}`, '--lc-messages=C'];
  const { child, recent } = spawnProgram(runner, runner.binaries.initdb, args);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(cannotRun(runner.binaries.initdb, error)));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`initdb failed (${describeExit({ code, signal })}): ${recent.join(' / ')}`));
    });
  });
}

/** One run of the PostgreSQL server process; `exited` settles when it ends, however it ends. */
export class Postmaster {
  private constructor(
    private readonly child: ChildProcess,
    readonly exited: Promise<PostmasterExit>,
  ) {}

  /** Starts the server on `port` and resolves once it accepts connections; `abort` stops it on the way (the start then fails). */
  static start(runner: PostgresRunner, databaseDir: string, port: number, abort?: AbortSignal): Promise<Postmaster> {
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    const args = ['-D', databaseDir, '-p', String(port), '-c', 'lc_messages=C'];
    const { child, recent } = spawnProgram(runner, runner.binaries.postgres, args, (line) => line.includes(READY) && ready());
    let failure: Error | undefined;
    const exited = new Promise<PostmasterExit>((resolve) => {
      child.once('error', (error) => {
        failure = cannotRun(runner.binaries.postgres, error);
        resolve({ code: null, signal: null });
      });
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    // Should the relay exit without stopping it (process.exit), PostgreSQL shuts down too.
    const shutDown = () => child.kill('SIGINT');
    process.once('exit', shutDown);
    abort?.addEventListener('abort', shutDown);
    void exited.then(() => {
      process.removeListener('exit', shutDown);
      abort?.removeEventListener('abort', shutDown);
    });
    return Promise.race([
      isReady.then(() => new Postmaster(child, exited)),
      exited.then((exit) => {
        throw failure ?? new Error(`PostgreSQL did not start (${describeExit(exit)}): ${recent.join(' / ')}`);
      }),
    ]);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Fast shutdown (SIGINT: open transactions are rolled back); resolves at once when it has exited already. */
  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGINT');
    await this.exited;
  }
}
