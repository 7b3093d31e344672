/** The benchmark runner's command line. */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { SCENARIOS, type Scenario, type Settings } from '../scenarios.js';
import { tasksetAvailable, type Pinning } from './proc.js';

export interface Options {
  scenarios: Scenario[];
  settings: Settings;
  /** Only the cases whose label contains this text (--case). */
  caseFilter: string | undefined;
  pinning: Pinning;
  /** Another build of the relay (its main.js) to run in the same pairs, for B ÷ A. */
  against: string | undefined;
  /** The change, in %, that a comparison shows or rules out. */
  boundPercent: number;
}

export function usage(): string {
  return [
    'usage: npm run bench -- [scenario ...] [--quick] [--pairs N] [--duration S] [--warmup S] [--hook-rate N] [--sizes N,N] [--case TEXT]',
    '                         [--server-core N] [--load-core N] [--pg-core N|none] [--against path/to/main.js] [--bound P] [--list]',
    `scenarios: ${SCENARIOS.map((scenario) => scenario.name).join(', ')} (default: all)`,
  ].join('\n');
}

function sizes(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw.split(',').map((part) => Number(part.trim()));
  if (list.some((size) => !Number.isInteger(size) || size < 1)) throw new Error(`--sizes must be socket counts such as 1000,5000, not ${raw}`);
  return list;
}

function against(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const path = resolve(raw);
  if (!existsSync(path)) throw new Error(`--against ${raw}: no such file (give the other build's dist/main.js)`);
  return path;
}

export function parseOptions(argv: string[]): Options {
  const names: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument === '--quick' || argument === '--list' || argument === '--help' || argument === '-h') flags.add(argument);
    else if (argument.startsWith('--')) {
      const [key, inline] = argument.split('=', 2) as [string, string | undefined];
      const value = inline ?? argv[++index];
      if (value === undefined) throw new Error(`${key} needs a value\n${usage()}`);
      values.set(key, value);
    } else names.push(argument);
  }
  if (flags.has('--help') || flags.has('-h') || flags.has('--list')) {
    process.stdout.write(`${usage()}\n`);
    for (const scenario of SCENARIOS) process.stdout.write(`  ${scenario.name.padEnd(22)} ${scenario.summary({ quick: false, pairs: 3, warmupMs: 3000, durationMs: 10_000, hookRate: 20, sizes: undefined })}\n`);
    process.exit(0);
  }
  const unknown = names.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}\n${usage()}`);
  const number = (key: string, fallback: number): number => {
    const raw = values.get(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${key} must be a number, not ${raw}`);
    return value;
  };
  const quick = flags.has('--quick');
  const cores = cpus().length;
  const taskset = tasksetAvailable();
  if (!taskset) process.stderr.write('warning: taskset (util-linux) not found; server and load generator are not pinned\n');
  if (cores < 2) process.stderr.write('warning: fewer than 2 cores; server and load generator share one\n');
  const pin = (key: string, fallback: number): number | undefined => {
    if (!taskset || cores < 2) return undefined;
    if (values.get(key) === 'none') return undefined;
    return number(key, fallback);
  };
  const compared = against(values.get('--against'));
  return {
    scenarios: names.length === 0 ? SCENARIOS : SCENARIOS.filter((scenario) => names.includes(scenario.name)),
    settings: {
      quick,
      // A comparison needs pairs enough for an interval of the median (6 give 97 %).
      pairs: Math.max(1, Math.round(number('--pairs', quick ? 1 : compared ? 10 : 3))),
      warmupMs: number('--warmup', quick ? 1 : 3) * 1000,
      durationMs: number('--duration', quick ? 3 : 10) * 1000,
      hookRate: number('--hook-rate', quick ? 10 : 20),
      sizes: sizes(values.get('--sizes')),
    },
    caseFilter: values.get('--case'),
    pinning: { serverCore: pin('--server-core', 0), loadCore: pin('--load-core', 1), pgCore: pin('--pg-core', 0) },
    against: compared,
    boundPercent: number('--bound', 2),
  };
}
