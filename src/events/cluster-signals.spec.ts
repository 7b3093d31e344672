import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { ControlConnection } from '../jobs/control-connection.js';
import { ClusterSignals, type AccessReader } from './cluster-signals.js';
import { EventBus, type InternalEvents } from './event-bus.js';
import { EventStore } from './event-store.js';

/** One database shared by the instances of a test: its NOTIFY reaches every listener, or fails as often as told. */
class FakeDatabase {
  /** The next this many NOTIFYs fail. */
  failures = 0;
  readonly payloads: string[] = [];
  private readonly listeners: Array<(payload: string) => void> = [];

  readonly dataSource = {
    query: async (_sql: string, [, payload]: [string, string]): Promise<unknown[]> => {
      if (this.failures > 0) {
        this.failures -= 1;
        throw new Error('Connection terminated unexpectedly');
      }
      this.payloads.push(payload);
      for (const listener of this.listeners) listener(payload);
      return [];
    },
  } as unknown as DataSource;

  readonly connection = {
    listen: async (_channel: string, listener: (payload: string) => void): Promise<void> => {
      this.listeners.push(listener);
    },
  } as unknown as ControlConnection;
}

interface Instance {
  bus: EventBus;
  /** Messages logged at error level. */
  errors: string[];
  heard: Array<{ name: string; event: unknown }>;
}

async function instance(database: FakeDatabase, readAccess?: AccessReader): Promise<Instance> {
  const bus = new EventBus();
  const errors: string[] = [];
  const logger = { error: (_fields: object, message: string) => errors.push(message) } as unknown as Logger;
  const signals = new ClusterSignals(new EventStore(database.dataSource), logger, bus, database.connection);
  signals.onModuleInit();
  if (readAccess) signals.readAccessWith(readAccess);
  await signals.onApplicationBootstrap();
  const heard: Instance['heard'] = [];
  for (const name of ['user.revoked', 'session.revoked', 'access.changed'] as const) bus.subscribe(name, (event) => heard.push({ name, event }));
  return { bus, errors, heard };
}

/** A sending instance and a receiving one on one fake database; the receiving one reads access with `readAccess`. */
async function twoInstances(readAccess?: AccessReader): Promise<{ database: FakeDatabase; here: Instance; there: Instance }> {
  const database = new FakeDatabase();
  return { database, here: await instance(database), there: await instance(database, readAccess) };
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const manyCameras = Array.from({ length: 3000 }, (_, index) => index + 1);

describe('ClusterSignals', () => {
  it('sends an access change as the user id alone; the other instance reads the access back', async () => {
    const reads: number[] = [];
    const { database, here, there } = await twoInstances(async (userId) => {
      reads.push(userId);
      return { role: 'user', cameraIds: manyCameras.slice(1) };
    });
    here.bus.publish('access.changed', { userId: 7, role: 'user', cameraIds: manyCameras });

    await until(() => there.heard.length === 1);
    expect(there.heard).toEqual([{ name: 'access.changed', event: { userId: 7, role: 'user', cameraIds: manyCameras.slice(1) } }]);
    expect(reads).toEqual([7]);
    expect(JSON.parse(database.payloads[0]).event).toEqual({ userId: 7 });
    // Its own signal is not published a second time where it started.
    expect(here.heard).toHaveLength(1);
  });

  it('does not replay an access change of a user who is gone by the time it arrives', async () => {
    const { here, there } = await twoInstances(async () => null);
    here.bus.publish('access.changed', { userId: 7, role: 'user', cameraIds: [] });
    here.bus.publish('user.revoked', { userId: 7, reason: 'user deleted' });
    await until(() => there.heard.length === 1);
    expect(there.heard).toEqual([{ name: 'user.revoked', event: { userId: 7, reason: 'user deleted' } }]);
    expect(there.errors).toEqual([]);
  });

  it('tries a failed NOTIFY again after a short wait, keeping the signals in order', async () => {
    const { database, here, there } = await twoInstances();
    database.failures = 2;
    here.bus.publish('user.revoked', { userId: 3, reason: 'password changed' });
    here.bus.publish('session.revoked', { sessionId: 's-1', userId: 4, reason: 'logout' });
    await until(() => there.heard.length === 2);
    expect(there.heard.map(({ name }) => name)).toEqual(['user.revoked', 'session.revoked']);
    expect(here.errors).toEqual([]);
  });

  it('logs an error when NOTIFY keeps failing, and goes on with the next signal', async () => {
    const { database, here, there } = await twoInstances();
    database.failures = 4;
    here.bus.publish('user.revoked', { userId: 3, reason: 'password changed' });
    here.bus.publish('user.revoked', { userId: 5, reason: 'login disabled' });
    await until(() => there.heard.length === 1);
    expect(here.errors).toEqual(['could not tell other instances; they will not follow this change']);
    expect(there.heard).toEqual([{ name: 'user.revoked', event: { userId: 5, reason: 'login disabled' } }]);
  });

  it('logs an error rather than sending a signal larger than a NOTIFY may carry', async () => {
    const database = new FakeDatabase();
    const here = await instance(database);
    const event: InternalEvents['user.revoked'] = { userId: 3, reason: 'x'.repeat(8000) };
    here.bus.publish('user.revoked', event);
    await until(() => here.errors.length === 1);
    expect(here.errors).toEqual(['a signal is too large to tell other instances; they will not follow this change']);
    expect(database.payloads).toEqual([]);
  });
});
