import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { record, type Recorder } from './support/events.js';
import { MediaMtxDriver, READER_TYPE, type SessionKind } from './support/fake-mediamtx/index.js';
import { HOOK_SECRET, startRelayWithMediaMtx, type RelayWithMediaMtx } from './support/relay-with-mediamtx.js';
import { eventually } from './support/waiting.js';
import { connectSocket, rpc } from './support/test-server.js';

interface Setup extends RelayWithMediaMtx {
  camera: { id: number; mtx_path: string };
}

/** A relay and a fake MediaMTX with one camera, Yard, whose path MediaMTX has. */
async function setup(fakeEnv: Record<string, string> = {}, relayEnv: Record<string, string> = {}): Promise<Setup> {
  const relay = await startRelayWithMediaMtx({ fake: { env: fakeEnv }, relayEnv });
  const camera = await relay.api('POST', '/api/cameras', { name: 'Yard', mtx_path: 'yard', source_url: 'rtsp://192.0.2.30/live' });
  await eventually(() => relay.fake.pathConfigNames(), (names) => names.includes('yard'));
  return { ...relay, camera };
}

const cameraEvents = (recorder: Recorder, cameraId: number) =>
  recorder.events.filter(({ event, payload }) => event.startsWith('camera:') && event !== 'camera:*' && payload?.entity === cameraId).map(({ event, payload }) => ({ event, details: payload.details }));

describe('hooks that come out of order, or not at all', () => {
  let s: Setup;
  let watcher: Recorder;

  beforeAll(async () => {
    s = await setup();
    watcher = record(await connectSocket(s.server.url, { auth: { token: s.admin } }));
  });
  afterAll(async () => {
    watcher?.socket.close();
    await s?.close();
  });

  it('ends with the right reader count and camera events, whatever order the hooks landed in', async () => {
    // Hooks delayed 0-400 ms each (so they overtake each other), and a third of the reads and
    // readies lost, as MediaMTX does to them (see the fake's README); unreads too, as when the
    // relay does not answer within wget's 5 seconds.
    const driver = new MediaMtxDriver({
      relayUrl: s.server.url,
      hookSecret: HOOK_SECRET,
      chaos: { seed: 15, maxDelayMs: 400, dropRate: 0.3, droppable: ['runOnRead', 'runOnAvailable', 'runOnUnread'] },
    });
    const kinds: SessionKind[] = ['rtspsessions', 'hlssessions', 'webrtcsessions'];
    for (let round = 0; round < 3; round += 1) {
      s.fake.setAvailable('yard');
      await driver.ready('yard');
      // Short reads: the reader leaves at once, its `read` still on the way (or lost).
      for (let i = 0; i < 8; i += 1) {
        const session = s.fake.addSession(kinds[i % kinds.length], { path: 'yard' });
        const reader = { type: READER_TYPE[session.kind], id: session.id };
        await driver.read('yard', reader);
        s.fake.endSession(session.id);
        await driver.unread('yard', reader);
      }
      // Readers that stay until the stream goes: MediaMTX runs notReady first, then their unreads.
      const staying = [0, 1, 2].map((i) => s.fake.addSession(kinds[i], { path: 'yard' }));
      for (const session of staying) await driver.read('yard', { type: READER_TYPE[session.kind], id: session.id });
      await driver.streamGone('yard', s.fake.setUnavailable('yard'));
    }
    await driver.idle();
    expect(driver.hookRuns.some((run) => run.dropped)).toBe(true);

    // Once the checks that follow odd hooks are done: every reader that was announced has left,
    // the last event with a count says 0, the path is not ready, and the last reader's leaving was unDemand.
    const settled = await eventually(
      () => cameraEvents(watcher, s.camera.id),
      (events) => {
        const counted = events.filter(({ details }) => typeof details.readers === 'number');
        const readiness = events.filter(({ event }) => event === 'camera:ready' || event === 'camera:notReady');
        const demand = events.filter(({ event }) => ['camera:read', 'camera:unread', 'camera:unDemand'].includes(event));
        return counted.at(-1)?.details.readers === 0 && readiness.at(-1)?.event === 'camera:notReady' && demand.at(-1)?.event === 'camera:unDemand';
      },
      20_000,
    );
    const count = (name: string) => settled.filter(({ event }) => event === name).length;
    expect(count('camera:read')).toBe(count('camera:unread'));
    expect(count('camera:read')).toBeGreaterThan(0);
    // Corrections say so.
    expect(settled.some(({ details }) => details.reconciled === true)).toBe(true);

    // The state kept for late subscribers agrees.
    const late = record(await connectSocket(s.server.url, { auth: { token: s.admin } }));
    await rpc(late.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['camera:*'] } });
    const state = await late.waitFor(({ event, payload }) => event === 'camera:state' && payload.entity === s.camera.id);
    expect(state.payload.details).toEqual({ ready: false, readers: 0 });
    late.socket.close();
  });
});

describe('health when MediaMTX hooks fail', () => {
  it('says so, naming RELAY_HOOK_SECRET, when MediaMTX has a stream and its hooks are refused', async () => {
    const s = await setup();
    try {
      expect((await s.server.http('GET', '/api/health')).body).toMatchObject({ status: 'ok', warnings: [] });
      const misconfigured = new MediaMtxDriver({ relayUrl: s.server.url, hookSecret: 'not-the-relays-hook-secret-0123456789' });
      s.fake.setAvailable('yard');
      expect((await misconfigured.ready('yard')).exitCode).not.toBe(0);
      const health = await eventually(
        () => s.server.http('GET', '/api/health'),
        (answer) => answer.body.status !== 'ok',
      );
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'degraded', database: 'up', warnings: [{ code: 'mediamtx_hooks_failing', message: expect.stringContaining('RELAY_HOOK_SECRET') }] });
      expect(health.body.warnings[0].message).toContain('yard');

      // Once a hook gets through, the warning goes.
      const fixed = new MediaMtxDriver({ relayUrl: s.server.url, hookSecret: HOOK_SECRET });
      expect((await fixed.ready('yard')).exitCode).toBe(0);
      expect((await s.server.http('GET', '/api/health')).body).toMatchObject({ status: 'ok', warnings: [] });
    } finally {
      await s.close();
    }
  });

  it('says so when streams start and no hook arrives at all', async () => {
    const s = await setup({}, { MEDIAMTX_RECONCILE_SECONDS: '1' });
    try {
      // Wrong RELAY_URL, or an image without wget: the hooks never reach the relay.
      s.fake.setAvailable('yard');
      const health = await eventually(
        () => s.server.http('GET', '/api/health'),
        (answer) => answer.body.status !== 'ok',
        40_000,
        250,
      );
      expect(health.body.warnings).toEqual([{ code: 'mediamtx_hooks_failing', message: expect.stringContaining('no hook has reached the relay') }]);
      expect(health.body.warnings[0].message).toContain('RELAY_URL');
    } finally {
      await s.close();
    }
  }, 90_000);
});
