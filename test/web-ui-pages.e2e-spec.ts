import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Locator, Page } from 'playwright-core';
import { FakeTokenEndpoint } from './support/fake-token-endpoint.js';
import { ADMIN_PASSWORD } from './support/test-server.js';
import { eventually } from './support/waiting.js';
import { newPage, rowOf, shownPaths, signIn, startWebUiRig, type WebUiRig } from './support/web-ui.js';

/** Sign-in refusals, the cameras' filter and sort, the edit forms, the keyboard, and the phone layout, in Chromium. */
let rig: WebUiRig;
let page: Page;
let token: string;

beforeAll(async () => {
  rig = await startWebUiRig();
  token = await rig.adminToken();
  // Names and paths sort differently, so each order is told apart.
  for (const [name, path] of [['Alpha Gate', 'zulu-gate'], ['Bravo Yard', 'yard'], ['Charlie Door', 'door']]) {
    expect((await rig.server.http('POST', '/api/cameras', { token, body: { name, mtx_path: path, source_url: `rtsp://192.0.2.50/${path}` } })).status).toBe(201);
  }
  await eventually(() => rig.fake.pathConfigNames(), (names) => ['zulu-gate', 'yard', 'door'].every((name) => names.includes(name)));
  rig.fake.setAvailable('yard');
  await rig.driver.ready('yard');
}, 90000);

afterAll(async () => {
  await rig?.stop();
});

/** Marks the page, so that a test can show that it changed without a reload. */
const markPage = (target: Page) => target.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
const wasNotReloaded = (target: Page) => target.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded === true);

describe('sign in, rate limited', () => {
  it('says the account must wait, and for how long', async () => {
    const { page: signInPage, context } = await newPage(rig);
    await signInPage.goto('/');
    await signInPage.getByLabel('Username', { exact: true }).fill('guessed-name');
    await signInPage.getByLabel('Password', { exact: true }).fill('one-more-guess');
    // The free attempts of the account (LOGIN_FREE_ATTEMPTS, 5) spent elsewhere; each failure
    // after them blocks the account for twice as long as the last (1 s, 2 s, ...).
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await rig.server.http('POST', '/api/auth', { body: { username: 'guessed-name', password: `guess-${attempt}` } })).status).toBe(401);
    }
    const button = signInPage.getByRole('button', { name: 'Sign in' });
    let said = '';
    // A try that lands after a block has ended is one more failure and a longer block: a few suffice.
    for (let attempt = 0; attempt < 5 && !/too many/.test(said); attempt++) {
      await button.click();
      await signInPage.waitForFunction(() => {
        const doc = (globalThis as unknown as { document: { querySelector: (s: string) => { disabled: boolean } | null } }).document;
        return doc.querySelector('button[type=submit]')?.disabled === false;
      });
      said = (await signInPage.getByRole('alert').textContent()) ?? '';
    }
    expect(said).toMatch(/^too many failed logins for this account; try again in \d+ s$/);
    await context.close();
  });
});

describe('cameras: filter and sort', () => {
  it('filters by name or path and sorts by name, path and status', async () => {
    page = (await newPage(rig)).page;
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await rowOf(page, 'yard').getByText(/^Live/).waitFor();
    expect(await shownPaths(page)).toEqual(['zulu-gate', 'yard', 'door']);
    const filter = page.getByLabel('Filter', { exact: true });
    await filter.fill('yard');
    await eventually(() => shownPaths(page), (paths) => paths.length === 1);
    expect(await shownPaths(page)).toEqual(['yard']);
    await expect(page.locator('caption').textContent()).resolves.toBe('1 of 3 cameras');
    await filter.fill('GATE');
    await eventually(() => shownPaths(page), (paths) => paths.join() === 'zulu-gate');
    await filter.fill('');
    const sortBy = page.getByLabel('Sort by', { exact: true });
    await sortBy.selectOption({ label: 'Path' });
    await eventually(() => shownPaths(page), (paths) => paths.join() === 'door,yard,zulu-gate');
    // Live cameras first, then by name.
    await sortBy.selectOption({ label: 'Status' });
    await eventually(() => shownPaths(page), (paths) => paths.join() === 'yard,zulu-gate,door');
    await sortBy.selectOption({ label: 'Name' });
    await eventually(() => shownPaths(page), (paths) => paths.join() === 'zulu-gate,yard,door');
  });
});

describe('the edit forms save and show the change live', () => {
  it('edits a camera', async () => {
    await markPage(page);
    await page.getByRole('button', { name: 'Edit Charlie Door' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit Charlie Door' });
    await dialog.getByLabel('Name', { exact: true }).fill('Charlie Back Door');
    await dialog.getByLabel('RTSP transport', { exact: true }).selectOption({ label: 'TCP' });
    await dialog.getByLabel('Enabled', { exact: true }).uncheck();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await rowOf(page, 'door').getByRole('cell', { name: 'Charlie Back Door', exact: true }).waitFor();
    await rowOf(page, 'door').getByText('Disabled').waitFor();
    const cameras = await rig.server.http('GET', '/api/cameras', { token });
    const door = cameras.body.items.find((camera: { mtx_path: string }) => camera.mtx_path === 'door');
    expect([door.name, door.is_enabled, door.rtsp_transport]).toEqual(['Charlie Back Door', false, 'tcp']);
    expect(await wasNotReloaded(page)).toBe(true);
  });

  it('edits a credential, keeping the secret left empty', async () => {
    const created = await rig.server.http('POST', '/api/credentials', { token, body: { kind: 'basic', description: 'Gate login', username: 'gate', password: 'gate-secret' } });
    expect(created.status).toBe(201);
    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.getByRole('button', { name: 'Edit Gate login' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit credential' });
    await dialog.getByLabel('Description', { exact: true }).fill('Front gate login');
    await dialog.getByLabel('Username', { exact: true }).fill('gate-keeper');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'Front gate login', exact: true }).waitFor();
    await page.getByRole('cell', { name: 'user gate-keeper, password set' }).waitFor();
    const read = await rig.server.http('GET', `/api/credentials/${created.body.id}`, { token });
    expect([read.body.description, read.body.username, read.body.password_set]).toEqual(['Front gate login', 'gate-keeper', true]);
    expect(await wasNotReloaded(page)).toBe(true);
  });

  it("shows an OAuth2 credential's state, next and last refresh, and its first token's refresh live", async () => {
    const endpoint = await FakeTokenEndpoint.start();
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let id: number | undefined;
    try {
      // The relay asks for a token at once; the answer waits until the page has shown the credential without one.
      const tokenUrl = endpoint.route('/ui', async () => {
        await held;
        return { grant: { expiresIn: 3600 } };
      });
      const body = { kind: 'oauth2', description: 'Cloud login', client_id: 'relay', client_secret: 'cloud-secret', token_url: tokenUrl, refresh_token: 'cloud-refresh' };
      const created = await rig.server.http('POST', '/api/credentials', { token, body });
      expect(created.status).toBe(201);
      id = created.body.id;
      await page.getByRole('link', { name: 'Credentials' }).click();
      const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'Cloud login', exact: true }) });
      await row.getByRole('cell', { name: /^pending; next refresh .+; last refresh never$/ }).waitFor();
      await endpoint.waitForRequests('/ui', 1);
      release();
      const refreshed = row.getByRole('cell', { name: /^authenticated; next refresh .+; last refresh (?!never)/ });
      await refreshed.waitFor();
      const read = await rig.server.http('GET', `/api/credentials/${id}`, { token });
      expect(read.body.last_refresh_at).toEqual(expect.any(String));
      // The times as the page's browser shows them.
      const [next, last] = await page.evaluate((times) => times.map((iso) => new Date(iso).toLocaleString()), [read.body.next_refresh_at as string, read.body.last_refresh_at as string]);
      expect(await refreshed.textContent()).toBe(`authenticated; next refresh ${next}; last refresh ${last}`);
      expect(await wasNotReloaded(page)).toBe(true);
    } finally {
      release();
      if (id !== undefined) await rig.server.http('DELETE', `/api/credentials/${id}`, { token });
      await endpoint.stop();
    }
  });

  it('edits a user: login switched off and a camera granted', async () => {
    const created = await rig.server.http('POST', '/api/users', { token, body: { username: 'walker', password: 'walker-password', role: 'user' } });
    expect(created.status).toBe(201);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'Edit walker' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit walker' });
    await dialog.getByLabel('Can log in', { exact: true }).uncheck();
    await dialog.getByLabel('Bravo Yard', { exact: true }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'walker', exact: true }) });
    await row.getByRole('cell', { name: 'No', exact: true }).waitFor();
    await row.getByRole('cell', { name: '1', exact: true }).waitFor();
    const read = await rig.server.http('GET', `/api/users/${created.body.id}`, { token });
    const yard = (await rig.server.http('GET', '/api/cameras', { token })).body.items.find((camera: { mtx_path: string }) => camera.mtx_path === 'yard');
    expect([read.body.can_login, read.body.camera_ids]).toEqual([false, [yard.id]]);
    expect(await wasNotReloaded(page)).toBe(true);
  });
});

describe('from the keyboard alone', () => {
  /** Whether the element is the page's focused one. */
  const hasFocus = (target: Locator) => target.evaluate((element) => element === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement);

  it('skips to the content, filters, adds a camera, closes a dialog with Escape and moves between pages', async () => {
    const { page: keys, context } = await newPage(rig);
    await signIn(keys, 'admin', ADMIN_PASSWORD);
    await rowOf(keys, 'yard').waitFor();
    // From the top of a fresh load, as a keyboard user starts.
    await keys.reload();
    await rowOf(keys, 'yard').waitFor();
    await keys.keyboard.press('Tab');
    expect(await hasFocus(keys.getByRole('link', { name: 'Skip to content' }))).toBe(true);
    await keys.keyboard.press('Enter');
    expect(await hasFocus(keys.locator('main'))).toBe(true);

    await keys.keyboard.press('Tab');
    expect(await hasFocus(keys.getByLabel('Filter', { exact: true }))).toBe(true);
    await keys.keyboard.type('door');
    await eventually(() => shownPaths(keys), (paths) => paths.join() === 'door');
    await keys.keyboard.press('Control+A');
    await keys.keyboard.press('Backspace');
    await eventually(() => shownPaths(keys), (paths) => paths.length >= 3);

    await keys.keyboard.press('Tab');
    await keys.keyboard.press('Tab');
    const add = keys.getByRole('button', { name: 'Add camera' });
    expect(await hasFocus(add)).toBe(true);
    await keys.keyboard.press('Enter');
    // The dialog takes the focus to its first field; Enter in a field submits the form.
    expect(await hasFocus(keys.getByLabel('Name', { exact: true }))).toBe(true);
    await keys.keyboard.type('Echo Keys');
    await keys.keyboard.press('Tab');
    await keys.keyboard.type('keys');
    await keys.keyboard.press('Tab');
    await keys.keyboard.type('rtsp://192.0.2.50/keys');
    await keys.keyboard.press('Enter');
    await rowOf(keys, 'keys').waitFor();
    await keys.getByRole('dialog').waitFor({ state: 'detached' });

    // Escape closes a dialog and gives the focus back to the button that opened it.
    const urls = keys.getByRole('button', { name: 'Stream URLs of Bravo Yard' });
    await urls.focus();
    await keys.keyboard.press('Enter');
    await keys.getByRole('dialog', { name: 'Stream URLs of Bravo Yard' }).waitFor();
    await keys.keyboard.press('Escape');
    await keys.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await hasFocus(urls)).toBe(true);

    // The navigation: the skip link, then the pages' links in order.
    await keys.reload();
    await rowOf(keys, 'yard').waitFor();
    for (const press of ['Tab', 'Tab', 'Tab']) await keys.keyboard.press(press);
    expect(await hasFocus(keys.getByRole('navigation').getByRole('link', { name: 'Users' }))).toBe(true);
    await keys.keyboard.press('Enter');
    await keys.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await context.close();
  });
});

describe('on a phone', () => {
  it('fits a 375 px screen on every page, with every page reachable from the navigation', async () => {
    const { page: phone, context } = await newPage(rig, { width: 375, height: 740 });
    await signIn(phone, 'admin', ADMIN_PASSWORD);
    await rowOf(phone, 'yard').waitFor();
    const links = phone.getByRole('navigation').getByRole('link');
    const titles = await links.allTextContents();
    expect(titles).toEqual(['Cameras', 'Users', 'Credentials', 'Stream tokens', 'Logs', 'System', 'Account']);
    for (const title of titles) {
      const link = phone.getByRole('navigation').getByRole('link', { name: title, exact: true });
      const box = (await link.boundingBox())!;
      expect([title, box.x >= 0 && box.x + box.width <= 375]).toEqual([title, true]);
      await link.click();
      await phone.getByRole('heading', { level: 1, name: title }).waitFor();
      const overflow = await phone.evaluate(() => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
        return root.scrollWidth - root.clientWidth;
      });
      expect([title, overflow]).toEqual([title, 0]);
    }
    await context.close();
  });
});
