import { z } from 'zod';
import { userViewSchema } from '../users/users.schemas.js';

/** A user with at least one socket open on any instance. */
export const onlineUserSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  sockets: z.number().int().describe('how many sockets the user has open'),
});

/** The first event of every connection (`SocketSessions.opened`). */
export const initPayloadSchema = z.object({
  user: userViewSchema.optional(),
  server: z.object({
    version: z.string(),
    time: z.string(),
    instance: z.string().describe('which of several relays on one database this socket is connected to (INSTANCE_NAME)'),
  }),
  seq: z.number().int().describe('the last event seq delivered before the socket connected: it receives every one after'),
  usersOnline: z.array(onlineUserSchema).optional().describe('admins only: everyone online when the socket connected'),
});

export type OnlineUser = z.output<typeof onlineUserSchema>;
export type InitPayload = z.output<typeof initPayloadSchema>;
