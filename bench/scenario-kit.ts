/** The shape of a benchmark scenario, and what the scenarios share. */
import type { Job } from './load/jobs.js';
import type { Snapshot } from './lib/proc.js';
import type { Seeded } from './lib/seed.js';
import type { ServerKind } from './lib/servers.js';

export type Side = 'relay' | 'baseline';

/** How many relays the cluster scenarios put behind nginx (their baseline: one). */
export const CLUSTER_INSTANCES = 2;

/** What the tables call each side of a scenario. */
export const sideName = (scenario: Pick<Scenario, 'baseline'>, side: Side): string =>
  scenario.baseline === 'one-instance' ? (side === 'relay' ? `${CLUSTER_INSTANCES} instances` : '1 instance') : side;

/** Run-wide settings, from the command line. */
export interface Settings {
  quick: boolean;
  pairs: number;
  warmupMs: number;
  durationMs: number;
  hookRate: number;
  /** Socket counts replacing a scenario's own (fanout, hook-to-event, idle-memory). */
  sizes: number[] | undefined;
}

export interface CaseSpec {
  label: string;
  /** The number of sockets, where the scenario has several sizes. */
  size: number;
  /** auth-callback: how many MediaMTX send callbacks, each one at a time. */
  instances?: number;
  /** auth-callback: callbacks a second per MediaMTX; unset: as fast as they are answered. */
  rate?: number;
  /** PostgreSQL is stopped (SIGSTOP) for the measured window, and resumed after it. */
  stallDatabase?: boolean;
}

/** What one run left behind: the load generator's result and /proc snapshots of both processes. */
export interface Outcome {
  result: Record<string, any>;
  /** Server snapshots at the load generator's marks. */
  server: Record<string, Snapshot>;
  /** Load generator snapshots at the same marks. */
  load: Record<string, Snapshot>;
  /** The server once the load generator has finished. */
  serverFinal: Snapshot;
}

export interface Column {
  key: string;
  label: string;
  digits: number;
}

export interface Scenario {
  name: string;
  summary(settings: Settings): string;
  /** What the relay is compared with: a server without the framework, or (`one-instance`) one relay behind nginx against CLUSTER_INSTANCES. */
  baseline: Exclude<ServerKind, 'relay'> | 'one-instance';
  columns: Column[];
  cases(settings: Settings): CaseSpec[];
  job(seeded: Seeded, side: Side, spec: CaseSpec, url: string, settings: Settings, hookSecret: string): Job;
  metrics(outcome: Outcome): Record<string, number>;
  /** The metric shown in progress lines and first in the table. */
  headline: string;
}

export const cpuUs = (from: Snapshot | undefined, to: Snapshot | undefined): number => (from && to ? to.cpuUs - from.cpuUs : Number.NaN);
export const cpuPercent = (from: Snapshot | undefined, to: Snapshot | undefined): number =>
  from && to && to.at > from.at ? ((to.cpuUs - from.cpuUs) / ((to.at - from.at) * 1000)) * 100 : Number.NaN;
export const mib = (kib: number) => kib / 1024;

/** Columns every load scenario ends with. */
export const TAIL: Column[] = [
  { key: 'cpuUsPerOp', label: 'server CPU µs/op', digits: 1 },
  { key: 'serverCpuPct', label: 'server CPU %', digits: 0 },
  { key: 'peakRssMiB', label: 'peak RSS MiB', digits: 1 },
  { key: 'loadCpuPct', label: 'load gen CPU %', digits: 0 },
];

export function windowMetrics(outcome: Outcome, ops: number): Record<string, number> {
  return {
    cpuUsPerOp: cpuUs(outcome.server.start, outcome.server.end) / ops,
    serverCpuPct: cpuPercent(outcome.server.start, outcome.server.end),
    peakRssMiB: mib(outcome.serverFinal.hwmKiB),
    loadCpuPct: cpuPercent(outcome.load.start, outcome.load.end),
  };
}
