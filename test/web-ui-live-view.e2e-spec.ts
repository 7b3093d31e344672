import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { seriousViolations } from './support/browser.js';
import { ADMIN_PASSWORD } from './support/test-server.js';
import { eventually } from './support/waiting.js';
import { whepAnswer } from './support/fake-mediamtx/index.js';
import { startBrowserMediaSource, type BrowserMediaSource } from './support/browser-media-source.js';
import { newPage, rowOf, screenshot, signIn, startWebUiRig, type WebUiRig } from './support/web-ui.js';

/**
 * The live view against the fake MediaMTX's WebRTC and HLS servers: the stream token the view
 * mints goes where MediaMTX reads tokens, WHEP reaches MediaMTX's answer, HLS is the fallback,
 * and an unreachable MediaMTX is said in words. Then with real media: a peer in a Chromium of
 * its own answers for MediaMTX, so video plays, and a connection that fails after the
 * negotiation falls back to HLS.
 */
let rig: WebUiRig;
let page: Page;

const video = () => page.getByRole('dialog').locator('video');
const message = () => page.getByTestId('live-message');

async function openLiveView(): Promise<void> {
  await page.getByRole('button', { name: 'Watch Porch' }).click();
  await page.getByRole('dialog', { name: 'Live: Porch' }).waitFor();
}

async function closeLiveView(): Promise<void> {
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  await page.getByRole('dialog').waitFor({ state: 'detached' });
}

/** The live view's tokens, as the relay lists them. */
async function liveViewTokens(): Promise<Array<{ label: string; revoked_at: string | null }>> {
  const listed = await rig.server.http('GET', '/api/tokens', { token: await rig.adminToken() });
  return listed.body.items.filter((token: { label: string }) => token.label === 'Live view in the web UI');
}

beforeAll(async () => {
  rig = await startWebUiRig();
  const token = await rig.adminToken();
  expect((await rig.server.http('POST', '/api/cameras', { token, body: { name: 'Porch', mtx_path: 'porch', source_url: 'rtsp://192.0.2.40/live' } })).status).toBe(201);
  await eventually(() => rig.fake.pathConfigNames(), (names) => names.includes('porch'));
  rig.fake.setAvailable('porch');
  await rig.driver.ready('porch');
  page = (await newPage(rig)).page;
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await rowOf(page, 'porch').getByText(/^Live/).waitFor();
}, 90000);

afterAll(async () => {
  await rig?.stop();
});

describe('the live view', () => {
  it('plays over WHEP with a stream token as the bearer, up to MediaMTX answer; closing ends the session and the token', async () => {
    await openLiveView();
    await page.locator('video[data-transport="webrtc"]').waitFor();
    await expect(message().textContent()).resolves.toMatch(/Connected to MediaMTX over WebRTC/);
    // The offer went to the camera's WHEP URL with the token where MediaMTX reads one.
    const posts = rig.webrtc.requests.filter((request) => request.method === 'POST');
    expect(posts.map((request) => [request.url, request.status, request.challenge])).toEqual([['/porch/whep', 201, undefined]]);
    expect(posts[0].authorization).toMatch(/^Bearer mtxs_[\w-]+$/);
    // The browser applied MediaMTX's answer: its transceivers are set up for receiving.
    const negotiated = await video().evaluate((element) => {
      const stream = (element as unknown as { srcObject: { getTracks: () => Array<{ kind: string }> } | null }).srcObject;
      return stream?.getTracks().map((track) => track.kind).sort() ?? [];
    });
    expect(negotiated).toEqual(['audio', 'video']);
    expect(rig.fake.sessions('webrtcsessions').map((session) => session.path)).toEqual(['porch']);
    expect((await liveViewTokens()).map((token) => token.revoked_at)).toEqual([null]);
    expect(await seriousViolations(page)).toEqual([]);

    await closeLiveView();
    await eventually(() => rig.webrtc.requests.filter((request) => request.method === 'DELETE').map((request) => request.status), (statuses) => statuses.length === 1);
    expect(rig.webrtc.requests.find((request) => request.method === 'DELETE')!.url).toMatch(/^\/porch\/whep\/[0-9a-f-]{36}$/);
    await eventually(liveViewTokens, (tokens) => tokens.length === 1 && tokens[0].revoked_at !== null);
    expect(rig.fake.sessions('webrtcsessions')).toEqual([]);
  });

  it('is refused by MediaMTX without a login prompt: a token as bearer gets a plain 401, no credentials get the challenge', async () => {
    const offer = 'v=0\r\n';
    const post = (headers: Record<string, string>) => fetch(`${rig.webrtc.url}/porch/whep`, { method: 'POST', headers: { 'content-type': 'application/sdp', ...headers }, body: offer });
    const withToken = await post({ authorization: 'Bearer mtxs_not-a-token' });
    expect([withToken.status, withToken.headers.get('www-authenticate')]).toEqual([401, null]);
    const withNothing = await post({});
    expect([withNothing.status, withNothing.headers.get('www-authenticate')]).toEqual([401, 'Basic realm="mediamtx"']);
    // The page never drew a challenge.
    expect(rig.webrtc.requests.filter((request) => request.authorization?.startsWith('Bearer mtxs_') && request.challenge)).toEqual([]);
  });

  it('falls back to HLS, with the token as the bearer, when the WebRTC server cannot be reached', async () => {
    await rig.webrtc.stop();
    try {
      await openLiveView();
      await page.locator('video[data-transport="hls"]').waitFor({ timeout: 15000 });
      await expect(message().textContent()).resolves.toMatch(/HLS/);
      const playlists = rig.hls.requests.filter((request) => request.method === 'GET' && request.url.startsWith('/porch/index.m3u8'));
      // MediaMTX's cookie check first, then the playlist, each with the token.
      expect(playlists.map((request) => [request.url.replace(/token=[^&]*/, 'token=…'), request.status])).toEqual([
        ['/porch/index.m3u8', 302],
        ['/porch/index.m3u8?cookieCheck=1', 200],
      ]);
      for (const request of playlists) expect(request.authorization).toMatch(/^Bearer mtxs_[\w-]+$/);
      expect(rig.fake.sessions('hlssessions').map((session) => session.path)).toEqual(['porch']);
      await closeLiveView();
    } finally {
      await rig.webrtc.start();
    }
  });

  it('says the camera is not streaming when MediaMTX has no stream on its path', async () => {
    rig.fake.setUnavailable('porch');
    try {
      await openLiveView();
      await message().getByText(/not streaming right now/).waitFor();
      await closeLiveView();
    } finally {
      rig.fake.setAvailable('porch');
    }
  });

  it('says MediaMTX cannot be reached when neither its WebRTC nor its HLS server answers', async () => {
    await Promise.all([rig.webrtc.stop(), rig.hls.stop()]);
    try {
      await openLiveView();
      await message().getByText(/MediaMTX cannot be reached .*check that it runs/).waitFor({ timeout: 15000 });
      await closeLiveView();
    } finally {
      await Promise.all([rig.webrtc.start(), rig.hls.start()]);
    }
  });
});

describe('the live view with video', () => {
  let source: BrowserMediaSource;
  const playback = () =>
    video().evaluate((element) => {
      const playing = element as unknown as { videoWidth: number; videoHeight: number; currentTime: number };
      return { width: playing.videoWidth, height: playing.videoHeight, seconds: playing.currentTime };
    });

  const webRtcHooks = (hook: string) => rig.driver.hookRuns.filter((run) => run.hook === hook && run.argv.includes('--header=X-Mtx-Reader-Type: webRTCSession')).length;

  beforeAll(async () => {
    source = await startBrowserMediaSource();
    rig.webrtc.media.answer = source.media.answer;
  }, 30000);

  afterAll(async () => {
    rig.webrtc.media.answer = whepAnswer;
    await source?.close();
  });

  it("plays the camera's video over WebRTC, and the waiting message goes", async () => {
    await openLiveView();
    await page.locator('video[data-transport="webrtc"]').waitFor();
    // Frames arrive and keep coming: the connection carries media, not only a negotiation.
    const started = await eventually(playback, (shown) => shown.width === 320 && shown.seconds > 0, 20000);
    expect(started.height).toBe(180);
    await eventually(playback, (shown) => shown.seconds >= started.seconds + 1, 20000);
    await message().waitFor({ state: 'detached' });
    // The peer connected, so MediaMTX ran runOnRead for the session (servers/webrtc/session.go:585).
    await eventually(() => webRtcHooks('runOnRead'), (runs) => runs === 1);
    await screenshot(page, 'live-view');
    await closeLiveView();
    await eventually(() => rig.fake.sessions('webrtcsessions'), (sessions) => sessions.length === 0);
    await eventually(() => webRtcHooks('runOnUnread'), (runs) => runs === 1);
  });

  it('falls back to HLS when the WebRTC connection fails after the negotiation (DTLS)', async () => {
    source.breakDtls = true;
    try {
      const deletesBefore = rig.webrtc.requests.filter((request) => request.method === 'DELETE').length;
      await openLiveView();
      await page.locator('video[data-transport="hls"]').waitFor({ timeout: 30000 });
      await expect(message().textContent()).resolves.toMatch(/^Playing over HLS: WebRTC did not work \(the WebRTC connection failed\)/);
      // The failed WebRTC session was ended at MediaMTX; the HLS one reads the path.
      await eventually(() => rig.webrtc.requests.filter((request) => request.method === 'DELETE').length, (deletes) => deletes === deletesBefore + 1);
      expect(rig.fake.sessions('webrtcsessions')).toEqual([]);
      expect(rig.fake.sessions('hlssessions').map((session) => session.path)).toContain('porch');
      await closeLiveView();
    } finally {
      source.breakDtls = false;
    }
  });
});
