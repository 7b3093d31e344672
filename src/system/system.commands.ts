import { z } from 'zod';
import { defineCommand, type ModuleCommands } from '../commands/command-registry.js';
import { notFound } from '../common/errors.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import type { EventBus } from '../events/event-bus.js';

/** The `system` module: `read` of entity `ping` answers the server time (latency and clock skew). */
export function systemCommands(): ModuleCommands {
  return {
    read: defineCommand({
      access: 'authenticated',
      summary: 'Entity `ping`: the server time, to measure latency and clock skew',
      entity: z.string().max(64),
      result: z.object({ pong: z.literal(true), time: z.string() }),
      handle: async ({ entity }) => {
        if (entity !== 'ping') throw notFound('system entity', entity);
        return { pong: true as const, time: new Date().toISOString() };
      },
    }),
  };
}

/** The `messages` module: an admin's broadcast, delivered as `system:message` to every authenticated socket. */
export function messagesCommands(bus: EventBus, unit: UnitOfWork): ModuleCommands {
  return {
    create: defineCommand({
      access: 'admin',
      summary: 'Broadcast a message to every connected client (event `system:message`)',
      payload: z.strictObject({ message: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters') }),
      result: z.object({ delivered: z.literal(true), at: z.string() }),
      successStatus: 201,
      handle: async ({ auth, payload }) => {
        await unit.recordAlone({ entity: null, changes: { message: { old: null, new: payload.message } } });
        bus.publish('domain', { domain: 'system', entity: null, event: 'message', details: { message: payload.message, from: auth.username }, audience: 'everyone' });
        return { delivered: true as const, at: new Date().toISOString() };
      },
    }),
  };
}
