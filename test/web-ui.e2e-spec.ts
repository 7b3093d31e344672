import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, seriousViolations } from './support/browser.js';
import { FakeMediaMtx } from './support/fake-mediamtx/index.js';
import { startServer, type TestServer } from './support/test-server.js';

const HOOK_SECRET = 'hook-secret-for-the-web-ui-tests-0123';
const SERVICE_PASSWORD = 'service-password-for-the-ui-tests-0123';

/** One relay (with its generated admin password), one fake MediaMTX and one browser for the whole file. */
let server: TestServer;
let fake: FakeMediaMtx;
let browser: Browser;
let adminPassword: string;

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
  return { context, page: await context.newPage() };
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

beforeAll(async () => {
  fake = await FakeMediaMtx.start();
  server = await startServer({
    // No ADMIN_PASSWORD: the relay generates one and prints it, as on a first start.
    env: { ADMIN_PASSWORD: undefined, MEDIAMTX_API_URL: fake.url, MEDIAMTX_HOOK_SECRET: HOOK_SECRET, MEDIAMTX_SERVICE_PASSWORD: SERVICE_PASSWORD } as unknown as Record<string, string>,
  });
  adminPassword = server.output.map((line) => /created user "admin" with password: (\S+)/.exec(line)?.[1]).find(Boolean)!;
  browser = await launchBrowser();
}, 90000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await fake?.stop();
});

describe('the web UI served by the relay', () => {
  it('serves the page at / with hashed, long-cached, compressed assets; /api and its docs stay', async () => {
    const page = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]);
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    for (const asset of scripts) {
      expect(asset).toMatch(/-[\w-]{8}\.(js|css)$/);
      const answer = await fetch(`${server.url}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
      expect([answer.status, answer.headers.get('content-encoding'), answer.headers.get('cache-control')]).toEqual([200, 'gzip', 'public, max-age=31536000, immutable']);
    }
    // Nothing from elsewhere: the page works on a LAN without the internet.
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    expect((await fetch(`${server.url}/api/docs`)).status).toBe(200);
    expect((await server.http('GET', '/api/cameras')).status).toBe(401);
    expect((await fetch(`${server.url}/assets/nothing-here.js`)).status).toBe(404);
  });
});

describe('sign in', () => {
  it('says in words what went wrong, then signs in with the generated admin password', async () => {
    expect(adminPassword).toBeTruthy();
    const { context, page } = await newPage();
    await signIn(page, 'admin', 'not-the-password');
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/password/i);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Cameras' }).waitFor();
    // A reload keeps the session.
    await page.reload();
    await page.getByRole('heading', { name: 'Cameras' }).waitFor();
    await context.close();
  });
});
