import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { definePublicCommand, type ModuleCommands } from '../commands/command-registry.js';
import { ReportedStateError } from '../common/errors.js';
import { databaseAnswers } from '../database/probe.js';
import type { Leadership } from '../jobs/leadership.service.js';
import type { HookHealth } from '../mediamtx/hook-health.js';
import type { MediaMtxWatch } from '../mediamtx/mediamtx-watch.service.js';
import { VERSION } from '../version.js';
import { checkReadiness, DATABASE_DOWN, livenessSchema, readinessSchema, type HealthChangeLog } from './readiness.js';

/** How long the database gets to answer before the relay counts it as down. */
export const DATABASE_PROBE_TIMEOUT_MS = 3000;

export const healthWarningSchema = z.object({
  code: z.literal('mediamtx_hooks_failing'),
  message: z.string(),
});

export const healthSchema = z.object({
  /** `degraded`: working, with warnings that need an operator (not a reason to restart the relay). */
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  database: z.literal('up'),
  warnings: z.array(healthWarningSchema),
});

export type Health = z.infer<typeof healthSchema>;

export interface HealthSources {
  dataSource: DataSource;
  hooks: HookHealth;
  leadership: Leadership;
  mediamtx: MediaMtxWatch;
  readinessLog: HealthChangeLog;
  /** Hears `GET /api/health`'s database check: an outage is one warn line, not one per poll. */
  healthLog: HealthChangeLog;
}

/**
 * The `health` module, public: `GET /api/health` (the database, and warnings), and the probes
 * `GET /api/health/live` (the process answers) and `GET /api/health/ready` (it can serve).
 */
/** The sources are read only when a probe runs, so the table can be built without them (see cli/client-contract). */
export function healthCommands(sources: HealthSources): ModuleCommands {
  return {
    read: definePublicCommand<undefined, 'live' | 'ready'>({
      access: 'public',
      summary:
        'Probes: `live` answers 200 while the process answers (a liveness probe); `ready` answers 200 when the database answers with every migration applied, some instance runs the background work and MediaMTX answers, else 503 unavailable with each failed check and its reason in details (a readiness probe)',
      entity: z.enum(['live', 'ready']),
      result: z.union([livenessSchema, readinessSchema]),
      handle: async ({ entity }) => (entity === 'live' ? { status: 'live' as const, version: VERSION } : checkReadiness(sources.dataSource, sources.leadership, sources.mediamtx, sources.readinessLog)),
    }),
    list: definePublicCommand({
      access: 'public',
      summary: 'Health of the relay: answers 200 when it and its database are up (status degraded, with warnings, when MediaMTX hooks fail), 503 unavailable otherwise',
      result: healthSchema,
      handle: async (): Promise<Health> => {
        const databaseUp = await databaseAnswers(sources.dataSource, DATABASE_PROBE_TIMEOUT_MS);
        sources.healthLog.observe(databaseUp ? [] : [{ check: 'database', message: DATABASE_DOWN }]);
        if (!databaseUp) throw new ReportedStateError('unavailable', DATABASE_DOWN);
        const hookProblem = sources.hooks.problem();
        const warnings = hookProblem === null ? [] : [{ code: 'mediamtx_hooks_failing' as const, message: hookProblem }];
        return { status: warnings.length === 0 ? 'ok' : 'degraded', version: VERSION, database: 'up', warnings };
      },
    }),
  };
}
