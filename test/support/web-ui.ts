import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { FakeMediaMtx, MediaMtxDriver, startFakeHlsServer, startFakeWebRtcServer, type FakeHlsServer, type FakeWebRtcServer, type ReadServerContext } from './fake-mediamtx/index.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from './test-server.js';

const HOOK_SECRET = 'hook-secret-for-the-web-ui-tests-0123';

/**
 * A relay with the fake MediaMTX (Control API, WebRTC and HLS servers, each on its own port as in
 * MediaMTX, the relay's public stream URLs pointing at them) and one browser.
 */
export interface WebUiRig {
  server: TestServer;
  fake: FakeMediaMtx;
  driver: MediaMtxDriver;
  webrtc: FakeWebRtcServer;
  hls: FakeHlsServer;
  browser: Browser;
  /** A REST bearer for the admin. */
  adminToken: () => Promise<string>;
  stop: () => Promise<void>;
}

export async function startWebUiRig(env: Record<string, string> = {}): Promise<WebUiRig> {
  const fake = await FakeMediaMtx.start();
  // The read servers ask the relay through the driver, which needs the relay's address: filled below.
  const context = { fake } as ReadServerContext;
  const webrtc = await startFakeWebRtcServer(context);
  const hls = await startFakeHlsServer(context);
  const server = await startServer({
    env: { MEDIAMTX_API_URL: fake.url, MEDIAMTX_HOOK_SECRET: HOOK_SECRET, MEDIAMTX_SERVICE_PASSWORD: 'service-password-for-the-ui-tests-0123', MEDIAMTX_WEBRTC_URL: webrtc.url, MEDIAMTX_HLS_URL: hls.url, ...env },
  });
  const driver = new MediaMtxDriver({ relayUrl: server.url, hookSecret: HOOK_SECRET });
  context.driver = driver;
  const browser = await launchBrowser();
  return {
    server,
    fake,
    driver,
    webrtc,
    hls,
    browser,
    adminToken: async () => (await server.login('admin', ADMIN_PASSWORD)).bearer,
    stop: async () => {
      await browser.close();
      await server.stop();
      await Promise.all([webrtc.stop(), hls.stop(), fake.stop()]);
    },
  };
}

export async function newPage(rig: WebUiRig, viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await rig.browser.newContext({ baseURL: rig.server.url, viewport });
  return { context, page: await context.newPage() };
}

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export const rowOf = (page: Page, path: string) => page.locator(`tr[data-camera="${path}"]`);

/** The camera paths in the order the cameras page shows them. */
export const shownPaths = (page: Page): Promise<Array<string | null>> =>
  page.locator('tr[data-camera]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-camera')));

/** Screenshots for docs/ when WEB_UI_SCREENSHOTS is set (not in ordinary runs: the tree stays clean). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.WEB_UI_SCREENSHOTS) await page.screenshot({ path: `docs/screenshots/${name}.png` });
}
