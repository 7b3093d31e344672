import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { record, type Recorder } from './support/events.js';
import {
  MediaMtxDriver,
  startFakeHlsServer,
  startFakeWebRtcServer,
  whepAnswer,
  type FakeHlsServer,
  type FakeWebRtcServer,
} from './support/fake-mediamtx/index.js';
import { HOOK_SECRET, startRelayWithMediaMtx, type RelayWithMediaMtx } from './support/relay-with-mediamtx.js';
import { connectSocket } from './support/test-server.js';
import { eventually } from './support/waiting.js';

/**
 * The fake's WebRTC and HLS readers run MediaMTX's runOnRead / runOnUnread against the relay:
 * a WHEP session once its peer connects (servers/webrtc/session.go:573-593), an HLS session
 * when its first playlist is asked for (servers/hls/session.go:132), each until it ends.
 */
describe('fake MediaMTX: WebRTC and HLS readers run the read hooks', () => {
  let s: RelayWithMediaMtx;
  let driver: MediaMtxDriver;
  let webrtc: FakeWebRtcServer;
  let hls: FakeHlsServer;
  let watcher: Recorder;
  let porch: number;
  let bearer: string;

  const OFFER = ['v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:0', 'a=rtpmap:96 H264/90000', 'a=recvonly', ''].join('\r\n');
  const whep = (path: string, init: { method: string; body?: string }) =>
    fetch(`${webrtc.url}${path}`, { ...init, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/sdp' } });
  const porchEvent = (name: string, from: number, readerId: string) =>
    watcher.waitFor(({ event, payload }) => event === `camera:${name}` && payload.entity === porch && payload.details.readerId === readerId, from, 10_000);
  /** The camera's live status, as the relay reads it from MediaMTX's path (cached for a moment). */
  const statusReaders = (count: number) => eventually(async () => (await s.api('GET', `/api/cameras/${porch}`)).status?.readers, (readers) => readers === count);
  const readHooks = () => driver.hookRuns.filter((run) => run.hook === 'runOnRead' || run.hook === 'runOnUnread').map((run) => run.hook);

  beforeAll(async () => {
    s = await startRelayWithMediaMtx();
    driver = new MediaMtxDriver({ relayUrl: s.server.url, hookSecret: HOOK_SECRET });
    webrtc = await startFakeWebRtcServer({ fake: s.fake, driver });
    hls = await startFakeHlsServer({ fake: s.fake, driver });
    watcher = record(await connectSocket(s.server.url, { auth: { token: s.admin } }));
    porch = (await s.api('POST', '/api/cameras', { name: 'Porch', mtx_path: 'porch', source_url: 'rtsp://192.0.2.40/live' })).id;
    bearer = (await s.api('POST', '/api/tokens', { camera_id: porch, label: 'readers' })).token;
    await eventually(() => s.fake.pathConfigNames(), (names) => names.includes('porch'));
    s.fake.setAvailable('porch');
    await driver.ready('porch');
  });

  // Each test reads the hooks of its own readers: a hook still running from the last one (a
  // kick's unread is answered to the relay before its command exits) is waited for first.
  beforeEach(async () => {
    await driver.idle();
    driver.hookRuns.length = 0;
  });

  afterAll(async () => {
    watcher?.socket.close();
    await Promise.all([webrtc?.stop(), hls?.stop()]);
    await s?.close();
  });

  it('a WHEP session whose peer connects is a reader at the relay until its DELETE', async () => {
    let connect!: () => void;
    webrtc.media.answer = (offer) => ({ sdp: whepAnswer(offer), connected: new Promise<void>((resolve) => (connect = resolve)) });
    try {
      const mark = watcher.mark();
      const posted = await whep('/porch/whep', { method: 'POST', body: OFFER });
      expect(posted.status).toBe(201);
      const id = posted.headers.get('id')!;
      // Answered, not yet connected: a reader of the path at MediaMTX (AddReader), no hook yet.
      await driver.idle();
      expect(readHooks()).toEqual([]);
      expect(s.fake.path('porch')!.readers).toEqual([{ type: 'webRTCSession', id }]);

      connect();
      const read = await porchEvent('read', mark, id);
      expect(read.payload.details).toMatchObject({ readerType: 'webRTCSession', readers: 1 });
      await statusReaders(1);

      expect((await whep(posted.headers.get('location')!, { method: 'DELETE' })).status).toBe(200);
      const unread = await porchEvent('unread', mark, id);
      expect(unread.payload.details).toMatchObject({ readerType: 'webRTCSession', readers: 0 });
      await statusReaders(0);
      await driver.idle();
      expect(readHooks()).toEqual(['runOnRead', 'runOnUnread']);
    } finally {
      webrtc.media.answer = whepAnswer;
    }
  });

  it('a WHEP session whose peer never connects runs no hook, even when it ends', async () => {
    const posted = await whep('/porch/whep', { method: 'POST', body: OFFER });
    expect(posted.status).toBe(201);
    expect(s.fake.path('porch')!.readers.map((reader) => reader.id)).toEqual([posted.headers.get('id')]);
    expect((await whep(posted.headers.get('location')!, { method: 'DELETE' })).status).toBe(200);
    await driver.idle();
    expect(readHooks()).toEqual([]);
  });

  it('a WHEP session whose peer connection fails ends at once, without any hook', async () => {
    let fail!: (error: Error) => void;
    webrtc.media.answer = (offer) => ({ sdp: whepAnswer(offer), connected: new Promise<void>((_resolve, reject) => (fail = reject)) });
    try {
      const posted = await whep('/porch/whep', { method: 'POST', body: OFFER });
      expect(s.fake.sessions('webrtcsessions').map((session) => session.id)).toEqual([posted.headers.get('id')]);
      fail(new Error('DTLS failed'));
      await eventually(() => s.fake.sessions('webrtcsessions'), (sessions) => sessions.length === 0);
      expect(s.fake.path('porch')!.readers).toEqual([]);
      // The client's DELETE finds no session, as in MediaMTX (server.go closeSession).
      expect((await whep(posted.headers.get('location')!, { method: 'DELETE' })).status).toBe(404);
      await driver.idle();
      expect(readHooks()).toEqual([]);
    } finally {
      webrtc.media.answer = whepAnswer;
    }
  });

  it('a kick through the Control API ends a connected WHEP session with its unread', async () => {
    webrtc.media.answer = (offer) => ({ sdp: whepAnswer(offer), connected: Promise.resolve() });
    try {
      const mark = watcher.mark();
      const id = (await whep('/porch/whep', { method: 'POST', body: OFFER })).headers.get('id')!;
      await porchEvent('read', mark, id);
      expect((await fetch(`${s.fake.url}/v3/webrtcsessions/kick/${id}`, { method: 'POST' })).status).toBe(200);
      expect((await porchEvent('unread', mark, id)).payload.details).toMatchObject({ readers: 0 });
    } finally {
      webrtc.media.answer = whepAnswer;
    }
  });

  it('an HLS playlist request makes a session that reads at once, until MediaMTX closes it', async () => {
    const mark = watcher.mark();
    const playlist = await fetch(`${hls.url}/porch/index.m3u8?cookieCheck=1`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(playlist.status).toBe(200);
    const [session] = s.fake.sessions('hlssessions');
    const read = await porchEvent('read', mark, session.id);
    expect(read.payload.details).toMatchObject({ readerType: 'hlsSession', readers: 1 });
    await statusReaders(1);

    // No request for 30 s closes it (servers/hls/muxer.go:245).
    expect(hls.endSession(session.id)).toEqual({ type: 'hlsSession', id: session.id });
    expect((await porchEvent('unread', mark, session.id)).payload.details).toMatchObject({ readers: 0 });
    await statusReaders(0);
    await driver.idle();
    expect(readHooks()).toEqual(['runOnRead', 'runOnUnread']);
  });
});
