import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { definePublicCommand, type ModuleCommands } from '../commands/command-registry.js';
import { DomainError } from '../common/errors.js';
import { databaseAnswers } from '../database/probe.js';
import { VERSION } from '../version.js';

/** How long the database gets to answer before the relay counts it as down. */
export const DATABASE_PROBE_TIMEOUT_MS = 3000;

export const healthSchema = z.object({
  status: z.literal('ok'),
  version: z.string(),
  database: z.literal('up'),
});

export type Health = z.infer<typeof healthSchema>;

/** The `health` module: a public liveness and readiness probe (Docker HEALTHCHECK, load balancers). */
export function healthCommands(dataSource: DataSource): ModuleCommands {
  return {
    list: definePublicCommand({
      access: 'public',
      summary: 'Health of the relay: answers 200 when it and its database are up, 503 unavailable otherwise',
      result: healthSchema,
      handle: async (): Promise<Health> => {
        if (!(await databaseAnswers(dataSource, DATABASE_PROBE_TIMEOUT_MS))) throw new DomainError('unavailable', 'the database does not answer');
        return { status: 'ok', version: VERSION, database: 'up' };
      },
    }),
  };
}
