import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { ReportedStateError } from '../common/errors.js';
import { databaseAnswers, migrationsApplied } from '../database/probe.js';
import type { Leadership } from '../jobs/leadership.service.js';
import type { MediaMtxWatch } from '../mediamtx/mediamtx-watch.service.js';
import { VERSION } from '../version.js';

export const DATABASE_DOWN = 'the database does not answer';

/** How long the database gets to answer the checks before readiness counts it as down. */
export const READINESS_TIMEOUT_MS = 3000;

export const livenessSchema = z.object({ status: z.literal('live'), version: z.string() });

export const readinessSchema = z.object({
  status: z.literal('ready'),
  version: z.string(),
  checks: z.object({
    database: z.literal('up'),
    migrations: z.literal('applied'),
    backgroundWork: z.literal('running'),
    mediamtx: z.literal('reachable'),
  }),
});

export type Readiness = z.infer<typeof readinessSchema>;

/** One failed check: which, and why. */
export interface Problem {
  check: 'database' | 'migrations' | 'backgroundWork' | 'mediamtx';
  message: string;
}

const withinTimeout = <T>(work: Promise<T>, late: T): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late), READINESS_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
};

/**
 * Logs changes of health, not probes: a probe comes every few seconds, and one warn line per
 * probe for as long as MediaMTX or the database is down would flood the log. Logs when the checks
 * start failing (and why), when the checks that fail change, and when they pass again; `wording`
 * names the state (readiness: `not ready` / `ready again`).
 */
export class HealthChangeLog {
  /** The failing checks of the last probe, joined; '' when passing, undefined before the first probe. */
  private failing: string | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly wording: { failing: string; passing: string } = { failing: 'not ready', passing: 'ready again' },
  ) {}

  observe(problems: Problem[]): void {
    const failing = problems.map((problem) => problem.check).join(',');
    if (failing === this.failing) return;
    const before = this.failing;
    this.failing = failing;
    if (failing !== '') this.logger.warn({ checks: problems }, `${this.wording.failing}: ${describe(problems)}`);
    else if (before !== undefined) this.logger.info(this.wording.passing);
  }
}

const describe = (problems: Problem[]): string => problems.map((problem) => `${problem.check}: ${problem.message}`).join('; ');

/**
 * Ready to serve: the database answers and has every migration, some instance runs the background
 * work (path sync, pruning, token refresh), and MediaMTX answers. Otherwise `unavailable` (503),
 * each failed check in `details` with its reason; `log` hears every outcome.
 */
export async function checkReadiness(dataSource: DataSource, leadership: Leadership, mediamtx: MediaMtxWatch, log: HealthChangeLog): Promise<Readiness> {
  const problems: Problem[] = [];
  if (!(await databaseAnswers(dataSource, READINESS_TIMEOUT_MS))) {
    problems.push({ check: 'database', message: DATABASE_DOWN });
  } else {
    const [applied, background] = await Promise.all([
      withinTimeout(migrationsApplied(dataSource).catch(() => undefined), undefined),
      withinTimeout(leadership.runningSomewhere(), undefined),
    ]);
    if (applied !== true) problems.push({ check: 'migrations', message: applied === false ? 'migrations are pending' : 'could not read the applied migrations' });
    if (background !== true) problems.push({ check: 'backgroundWork', message: background === false ? 'no instance runs the background work' : 'could not tell whether an instance runs the background work' });
  }
  const mediamtxProblem = mediamtx.problem();
  if (mediamtxProblem !== null) problems.push({ check: 'mediamtx', message: mediamtxProblem });
  log.observe(problems);
  if (problems.length > 0) {
    throw new ReportedStateError('unavailable', `not ready: ${describe(problems)}`, problems.map(({ check, message }) => ({ path: check, message })));
  }
  return { status: 'ready', version: VERSION, checks: { database: 'up', migrations: 'applied', backgroundWork: 'running', mediamtx: 'reachable' } };
}
