import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { record, type Recorder } from './support/events.js';
import { MediaMtxDriver } from './support/fake-mediamtx/index.js';
import { HOOK_SECRET, startRelayWithMediaMtx as setup, type RelayWithMediaMtx } from './support/relay-with-mediamtx.js';
import { eventually, sleep } from './support/waiting.js';
import { connectSocket } from './support/test-server.js';

describe('MediaMTX restarting or reloading its configuration', () => {
  let s: RelayWithMediaMtx;
  let watcher: Recorder;
  let driver: MediaMtxDriver;
  let yard: number;

  beforeAll(async () => {
    // MediaMTX is slow to answer the relay's first look at /v3/info, so the restart below comes
    // before any other, as it does on a quiet machine, where the test gets there in under 2 s.
    s = await setup({ faults: [{ method: 'GET', path: '/v3/info', delayMs: 6000 }] });
    driver = new MediaMtxDriver({ relayUrl: s.server.url, hookSecret: HOOK_SECRET });
    watcher = record(await connectSocket(s.server.url, { auth: { token: s.admin } }));
    yard = (await s.api('POST', '/api/cameras', { name: 'Yard', mtx_path: 'yard', source_url: 'rtsp://192.0.2.40/live' })).id;
    await s.api('POST', '/api/cameras', { name: 'Gate', mtx_path: 'gate', source_url: 'rtsp://192.0.2.41/live' });
    await eventually(() => s.fake.pathConfigNames(), (names) => names.includes('yard') && names.includes('gate'));
  });
  afterAll(async () => {
    watcher?.socket.close();
    await s?.close();
  });

  const bothPaths = (names: string[]) => names.includes('yard') && names.includes('gate');
  const yardEvent = (name: string, from: number, match: (details: any) => boolean = () => true) =>
    watcher.waitFor(({ event, payload }) => event === `camera:${name}` && payload.entity === yard && match(payload.details), from, 10_000);

  it('after a restart, puts the paths back at once and resets the stream state, with events', async () => {
    s.fake.setAvailable('yard');
    await driver.ready('yard');
    const session = s.fake.addSession('rtspsessions', { path: 'yard' });
    const reading = watcher.mark();
    await driver.read('yard', { type: 'rtspSession', id: session.id });
    expect((await yardEvent('read', reading)).payload.details.readers).toBe(1);

    const started = s.fake.startedAt;
    const mark = watcher.mark();
    // A crash: MediaMTX comes back with the file's paths only, no stream, no reader, and runs no hook for what it lost.
    await s.fake.restart();
    expect(s.fake.startedAt).not.toBe(started);
    expect(s.fake.pathConfigNames()).not.toContain('yard');

    await eventually(() => s.fake.pathConfigNames(), bothPaths, 15_000);
    const unread = await yardEvent('unread', mark, (details) => details.readerId === session.id);
    expect(unread.payload.details).toMatchObject({ readers: 0, reconciled: true });
    await yardEvent('unDemand', mark);
    expect((await yardEvent('notReady', mark)).payload.details).toMatchObject({ readers: 0, reconciled: true });
  });

  it('after a reload of its configuration file, puts the paths back at once', async () => {
    // The relay has seen its paths listed (it checks one of them now and then).
    const probes = s.fake.requestsTo('GET', /^\/v3\/config\/paths\/get\//).length;
    await eventually(() => s.fake.requestsTo('GET', /^\/v3\/config\/paths\/get\//).length, (count) => count > probes, 15_000);
    s.fake.setAvailable('gate');
    await driver.ready('gate');
    const started = s.fake.startedAt;

    const closed = s.fake.reload();
    expect(s.fake.startedAt).toBe(started);
    expect(s.fake.pathConfigNames()).not.toContain('yard');
    // MediaMTX closes the paths it no longer has, running their hooks.
    for (const path of closed) if (path.available) await driver.streamGone(path.name, path.readers);

    await eventually(() => s.fake.pathConfigNames(), bothPaths, 15_000);
    // The relay's log may reach the test after its requests reach MediaMTX.
    await eventually(() => s.server.output.some((line) => line.includes('MediaMTX no longer has a camera path')), Boolean, 5000);
  });
});

describe('a MediaMTX that takes seconds to apply a change', () => {
  it('removes a camera deleted before MediaMTX listed its path, and writes a lagging path once', async () => {
    const s = await setup({ fake: { applyDelayMs: { minMs: 4000, maxMs: 6000 }, seed: 8 } });
    try {
      const shortLived = await s.api('POST', '/api/cameras', { name: 'Short-lived', mtx_path: 'short-lived', source_url: 'rtsp://192.0.2.42/live' });
      await s.api('POST', '/api/cameras', { name: 'Lagging', mtx_path: 'lagging', source_url: 'rtsp://192.0.2.43/live' });
      const writes = (name: string) => s.fake.requestsTo('POST', new RegExp(`^/v3/config/paths/(add|replace)/${name}$`));
      await eventually(() => writes('short-lived').length + writes('lagging').length, (count) => count === 2);
      // More than the 2 seconds MediaMTX used to be given, and still before it applies the writes.
      await sleep(2600);
      expect(s.fake.pathConfigNames()).not.toContain('short-lived');

      await s.api('DELETE', `/api/cameras/${shortLived.id}`);
      await eventually(() => s.fake.requestsTo('DELETE', '/v3/config/paths/delete/short-lived').length, (count) => count === 1, 10_000);
      await s.fake.settled();
      expect(s.fake.pathConfigNames()).toContain('lagging');
      expect(s.fake.pathConfigNames()).not.toContain('short-lived');
      expect(writes('lagging')).toHaveLength(1);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('writes again a path MediaMTX dropped in a reload before applying it, once it lists a path written later', async () => {
    const s = await setup({ fake: { applyDelayMs: 3000 } });
    try {
      await s.api('POST', '/api/cameras', { name: 'Dropped', mtx_path: 'dropped', source_url: 'rtsp://192.0.2.45/live' });
      await eventually(() => s.fake.requestsTo('POST', '/v3/config/paths/add/dropped').length, (count) => count === 1);
      // Its file changed: MediaMTX reloads it, and the write it had not applied yet is gone.
      s.fake.reload();
      await s.api('POST', '/api/cameras', { name: 'Later', mtx_path: 'later', source_url: 'rtsp://192.0.2.46/live' });
      await eventually(() => s.fake.pathConfigNames(), (names) => names.includes('later'), 15_000);
      // Not 60 s later, when the relay stops waiting for MediaMTX to list it.
      await eventually(() => s.fake.pathConfigNames(), (names) => names.includes('dropped'), 15_000);
    } finally {
      await s.close();
    }
  }, 60_000);
});
