// Type tests of the client, run by `npm run typecheck` (part of `npm test`): every line must
// compile except those marked `@ts-expect-error`, which must not.
import type { InitPayload as ClientInit, LogEntry as ClientLogEntry, PayloadOf, RelayClient, ResultOf, TopicName, TopicPayload as ClientTopicPayload } from '@mtx-relay/client';
import type { z } from 'zod';
import type { cameraViewSchema, createCameraSchema, updateCameraSchema } from '../../src/cameras/cameras.schemas.js';
import type { ErrorCode } from '../../src/common/errors.js';
import type { InitPayload, LogEntry, TopicEventName, TopicPayload } from '../../src/contract/socket-events.js';
import type { createUserSchema, userViewSchema } from '../../src/users/users.schemas.js';
import type { ErrorCode as ClientErrorCode } from '@mtx-relay/client';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree = <T extends true>(): T => true as T;

// The client's types are the server's schemas, as they go over the wire.
agree<Same<ResultOf<'cameras', 'read'>, z.output<typeof cameraViewSchema>>>();
agree<Same<PayloadOf<'cameras', 'create'>, z.input<typeof createCameraSchema>>>();
agree<Same<PayloadOf<'cameras', 'update'>, z.input<typeof updateCameraSchema>>>();
agree<Same<PayloadOf<'users', 'create'>, z.input<typeof createUserSchema>>>();
agree<Same<ResultOf<'users', 'read'>, z.output<typeof userViewSchema>>>();
agree<Same<ClientErrorCode, ErrorCode>>();
agree<Same<ClientTopicPayload, TopicPayload>>();
agree<Same<ClientLogEntry, LogEntry>>();
agree<Same<ClientInit, InitPayload>>();
agree<Same<Exclude<TopicName, '*'>, TopicEventName>>();

export async function typedRequests(client: RelayClient): Promise<void> {
  const camera = await client.request('cameras', 'create', { payload: { name: 'Door', mtx_path: 'door', source_url: 'rtsp://10.0.0.5/door' } });
  const id: number = camera.id;
  const page = await client.request('cameras', 'list');
  const names: string[] = page.items.map((item) => item.name);
  await client.request('cameras', 'list', { payload: { search: 'door', itemsPerPage: 20 } });
  await client.request('cameras', 'update', { entity: id, payload: { is_enabled: false } });
  const deleted: true = (await client.request('cameras', 'delete', { entity: id })).deleted;
  const tokens = await client.request('auth', 'refresh', { payload: { refresh: 'r' } });
  const bearer: string = tokens.bearer;
  await client.request('system', 'read', { entity: 'ping' }, { timeoutMs: 1000 });
  void [names, deleted, bearer];

  // @ts-expect-error no such module
  await client.request('doors', 'list');
  // @ts-expect-error cameras has no refresh
  await client.request('cameras', 'refresh');
  // @ts-expect-error create needs its payload
  await client.request('cameras', 'create');
  // @ts-expect-error name is a string
  await client.request('cameras', 'create', { payload: { name: 1, mtx_path: 'door', source_url: 'rtsp://10.0.0.5/door' } });
  // @ts-expect-error read needs the entity
  await client.request('cameras', 'read', {});
  // @ts-expect-error not a field of the create payload
  await client.request('users', 'create', { payload: { username: 'a', password: 'long-enough-1', colour: 'red' } });
  // @ts-expect-error not a field of a camera
  void camera.colour;
}

export function typedEvents(client: RelayClient): void {
  client.on('camera:ready', (event) => {
    const seq: number | null = event.seq;
    const entity: number | null = event.entity;
    void [seq, entity];
  });
  client.on('system:message', (event) => {
    const text: string = event.message;
    void text;
  });
  client.on('resync', ({ reason }) => {
    const why: 'gone' = reason;
    void why;
  });
  client.on('revoked', ({ reason }) => void reason.length);
  const stop: () => void = client.on('nestmtx:*', () => undefined);
  stop();
  // @ts-expect-error no such topic
  client.on('camera:exploded', () => undefined);
  // @ts-expect-error a camera topic carries no message
  client.on('camera:ready', (event) => event.message);
  const watched = client.watch('cameras');
  const ready: boolean | undefined = watched.items[0]?.state?.ready;
  void ready;
  const revokedAt: string | null | undefined = client.watch('tokens').items[0]?.revoked_at;
  const authState: 'pending' | 'authenticated' | 'unauthenticated' | undefined = client.watch('credentials').items[0]?.auth_state;
  const version: string | undefined = client.init?.server.version;
  const online: number[] = client.online.users.map((user) => user.sockets);
  void [revokedAt, authState, version, online];
  // @ts-expect-error cameras, users, credentials and tokens can be watched
  client.watch('audit');
}
