import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { ControlConnection } from '../jobs/control-connection.js';
import { clusterLogRoom, LogStream, type LogEntry } from '../logging/log-stream.js';
import { ClusterLog, SHARED_LINES_BOUND } from './cluster-log.js';

/** One database's NOTIFY: a payload on a channel reaches every instance listening on it. */
class FakeNotify {
  readonly listeners = new Map<string, Array<(payload: string) => void>>();

  connection(instanceId: string): ControlConnection {
    return {
      instanceId,
      listen: async (channel: string, listener: (payload: string) => void) => {
        this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
      },
      query: async (_sql: string, [channel, payload]: [string, string]) => {
        for (const listener of this.listeners.get(channel) ?? []) listener(payload);
        return [];
      },
    } as unknown as ControlConnection;
  }
}

interface Instance {
  stream: LogStream;
  log: ClusterLog;
  /** Lines delivered to the sockets that follow every instance at debug. */
  followed: LogEntry[];
  /** The levels at which a socket of this instance follows every instance. */
  following: Set<number>;
}

async function instance(notify: FakeNotify, name: string): Promise<Instance> {
  const stream = new LogStream(1000, name);
  const followed: LogEntry[] = [];
  const following = new Set<number>();
  stream.attach(
    (rooms, entry) => rooms.includes(clusterLogRoom(30)) && followed.push(entry),
    (room) => ([...following].some((level) => clusterLogRoom(level) === room) ? 1 : 0),
  );
  const log = new ClusterLog(stream, notify.connection(name));
  await log.onApplicationBootstrap();
  return { stream, log, followed, following };
}

/** Writes a line as pino would (pino's numbers: debug 20, info 30). */
const write = (stream: LogStream, level: number, msg: string) => stream.write(`${JSON.stringify({ level, msg, time: Date.now() })}\n`);

async function eventually(accept: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 100 && !accept(); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(accept()).toBe(true);
}

describe('ClusterLog', () => {
  it('passes debug lines to another instance only while an admin there follows them', async () => {
    const notify = new FakeNotify();
    const [a, b] = [await instance(notify, 'a'), await instance(notify, 'b')];
    try {
      write(b.stream, 20, 'debug before anyone follows');
      write(b.stream, 30, 'info before anyone follows');
      await eventually(() => a.followed.some((entry) => entry.msg === 'info before anyone follows'));
      expect(a.followed.map((entry) => entry.msg)).toEqual(['info before anyone follows']);

      a.following.add(30);
      a.stream.followChanged();
      write(b.stream, 20, 'debug once followed');
      await eventually(() => a.followed.some((entry) => entry.msg === 'debug once followed'));
      expect(a.followed.find((entry) => entry.msg === 'debug once followed')).toMatchObject({ instance: 'b', level: 30 });
    } finally {
      a.log.onApplicationShutdown();
      b.log.onApplicationShutdown();
    }
  });

  it('keeps within its bound and says how many lines it dropped', async () => {
    const notify = new FakeNotify();
    const [a, b] = [await instance(notify, 'a'), await instance(notify, 'b')];
    try {
      a.following.add(30);
      a.stream.followChanged();
      const over = 30;
      // One gathering: more debug lines than the bound lets through.
      for (let index = 0; index < SHARED_LINES_BOUND.belowInfo + over; index += 1) write(b.stream, 20, `chatter ${index}`);
      write(b.stream, 40, 'a warning still gets through');
      await eventually(() => a.followed.some((entry) => /not passed on/.test(entry.msg)));
      const messages = a.followed.map((entry) => entry.msg);
      expect(messages.filter((msg) => msg.startsWith('chatter'))).toHaveLength(SHARED_LINES_BOUND.belowInfo);
      expect(messages).toContain('a warning still gets through');
      expect(a.followed.find((entry) => /not passed on/.test(entry.msg))).toMatchObject({ instance: 'b', level: 50, msg: expect.stringMatching(new RegExp(`^${over} log lines`)) });
    } finally {
      a.log.onApplicationShutdown();
      b.log.onApplicationShutdown();
    }
  });
});
