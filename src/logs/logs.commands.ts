import { z } from 'zod';
import { defineCommand, defineSocketCommand, type LiveChannel, type ModuleCommands } from '../commands/command-registry.js';
import { LOG_LEVEL_NUMBERS } from '../logging/logger.js';
import { clusterLogRoom, LEVEL_NUMBERS, logEntrySchema, logRoom, type LogStream } from '../logging/log-stream.js';

/** A level by pino number (20…70) or by name (trace…fatal); a number may come as text, as in a REST query string. */
const levelSchema = z.preprocess(
  (value) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value),
  z.union([
    z.literal(LEVEL_NUMBERS as [number, ...number[]]),
    z.enum(Object.keys(LOG_LEVEL_NUMBERS) as [keyof typeof LOG_LEVEL_NUMBERS]).transform((name) => LOG_LEVEL_NUMBERS[name]),
  ], { message: 'must be a level number (20, 30, 40, 50, 60, 70) or name (trace, debug, info, warn, error, fatal)' }),
);

const listSchema = z.preprocess(
  (value) => value ?? {},
  z.strictObject({ level: levelSchema.default(LOG_LEVEL_NUMBERS.trace), limit: z.coerce.number().int().min(1).max(10_000).default(500) }),
);

const stopStream = (channel: LiveChannel): void => {
  for (const level of LEVEL_NUMBERS) {
    channel.leave(logRoom(level));
    channel.leave(clusterLogRoom(level));
  }
};

/** The `logs` module (admins): recent lines, and this socket's live `log` stream at or above a level. */
export function logsCommands(logs: LogStream): ModuleCommands {
  return {
    list: defineCommand({
      access: 'admin',
      summary: 'The most recent log lines at or above a level',
      payload: listSchema,
      result: z.object({ items: z.array(logEntrySchema) }),
      handle: async ({ payload }) => ({ items: logs.recent(payload.level, payload.limit) }),
    }),
    update: defineSocketCommand({
      access: 'admin',
      summary:
        "Start or change this socket's live log stream (event `log`) at or above a level: this instance's lines, or with `instances: 'all'` every instance's",
      payload: z.strictObject({ level: levelSchema, instances: z.enum(['this', 'all']).default('this') }),
      result: z.object({ level: z.number().int(), instances: z.literal('all').optional() }),
      handle: async ({ payload, channel }) => {
        stopStream(channel);
        channel.join(payload.instances === 'all' ? clusterLogRoom(payload.level) : logRoom(payload.level));
        logs.followChanged();
        return payload.instances === 'all' ? { level: payload.level, instances: payload.instances } : { level: payload.level };
      },
    }),
    delete: defineSocketCommand({
      access: 'admin',
      summary: "Stop this socket's live log stream",
      result: z.object({ level: z.null() }),
      handle: async ({ channel }) => {
        stopStream(channel);
        logs.followChanged();
        return { level: null };
      },
    }),
  };
}
