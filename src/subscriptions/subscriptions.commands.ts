import { z } from 'zod';
import { defineSocketCommand, type ModuleCommands } from '../commands/command-registry.js';
import { parseTopic } from '../events/topics.js';

const topicSchema = z.string().transform((topic, context) => {
  const parsed = parseTopic(topic);
  if ('problem' in parsed) {
    context.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  }
  return parsed.pattern;
});

const topicsSchema = z.array(topicSchema).min(1, 'name at least one topic').max(100);

const topicsResult = z.object({ topics: z.array(z.string()) });

/**
 * The `subscriptions` module (Socket.IO only): which topics this socket receives. A socket that
 * never subscribes receives every topic it may see, as NestMTX clients expect.
 */
export function subscriptionsCommands(): ModuleCommands {
  return {
    list: defineSocketCommand({
      access: 'authenticated',
      summary: 'The topics this socket receives (`*` until it first subscribes)',
      result: topicsResult,
      handle: async ({ channel }) => ({ topics: channel.topics() }),
    }),
    create: defineSocketCommand({
      access: 'authenticated',
      summary:
        'Receive these topics (the first call narrows the socket to them, later ones add). With `since`, first replays every kept event after that seq, in order, then continues live with no gap and no duplicate; `gone` (410) when events after it are no longer kept. Camera status topics also send each camera\'s retained `camera:state`.',
      payload: z.strictObject({
        topics: topicsSchema,
        since: z.number().int().min(0).optional(),
      }),
      result: z.object({ topics: z.array(z.string()), replayed: z.number().int(), retained: z.number().int(), seq: z.number().int() }),
      successStatus: 201,
      handle: async ({ payload, channel }) => channel.subscribe(payload.topics, payload.since),
    }),
    delete: defineSocketCommand({
      access: 'authenticated',
      summary: 'Stop receiving these topics; with none left the socket receives no topics',
      payload: z.strictObject({ topics: topicsSchema }),
      result: topicsResult,
      handle: async ({ payload, channel }) => ({ topics: await channel.unsubscribe(payload.topics) }),
    }),
  };
}
