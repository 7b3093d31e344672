/**
 * The web UI under a stream of status events: 200 cameras on the cameras page, 100 `ready` /
 * `notReady` hooks a second for 30 s (each camera flips every 2 s). Reports the page's main-thread
 * busy time (Chrome's TaskDuration over the run) and the status changes the page showed against
 * those sent. Run with `npm run bench:web` (after `npm run build`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startFakeMediaMtx } from './lib/fake-mediamtx.js';
import { startPostgres } from './lib/postgres.js';
import { startServer, type BenchEnvironment } from './lib/servers.js';

const CAMERAS = Number(process.env.BENCH_CAMERAS ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const postgres = await startPostgres();
  const fake = await startFakeMediaMtx();
  const bench: BenchEnvironment = {
    databaseUrl: postgres.url,
    dataDir: mkdtempSync(join(tmpdir(), 'mtx-relay-bench-web-')),
    adminPassword: 'bench-admin-password',
    jwtSecret: 'a-bench-jwt-secret-that-is-long-enough-0123456789',
    hookSecret: 'bench-hook-secret-0123456789abcdef',
    servicePassword: 'bench-service-password-0123',
    mediamtxUrl: fake.url,
  };
  const relay = await startServer('relay', bench, undefined);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  try {
    const login = await fetch(`${relay.url}/api/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: bench.adminPassword }) });
    const { bearer } = (await login.json()) as { bearer: string };
    for (let i = 0; i < CAMERAS; i++) {
      const body = { name: `Camera ${String(i).padStart(3, '0')}`, mtx_path: `cam${i}`, source_url: `rtsp://192.0.2.10/${i}` };
      const created = await fetch(`${relay.url}/api/cameras`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
      if (created.status !== 201) throw new Error(`camera ${i}: ${created.status} ${await created.text()}`);
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(relay.url);
    await page.getByLabel('Username', { exact: true }).fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(bench.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The page's code is given as text: this folder is compiled without the DOM's types.
    await page.waitForFunction(`document.querySelectorAll('tr[data-camera]').length === ${CAMERAS}`, undefined, { timeout: 60_000 });
    // Counts every status text the page shows, per camera.
    await page.evaluate(`(() => {
      const shown = new Map();
      window.shown = shown;
      const last = new Map();
      for (const row of document.querySelectorAll('tr[data-camera]')) last.set(row.getAttribute('data-camera'), row.querySelector('[data-testid=status]').textContent);
      new MutationObserver(() => {
        for (const row of document.querySelectorAll('tr[data-camera]')) {
          const path = row.getAttribute('data-camera');
          const text = row.querySelector('[data-testid=status]').textContent;
          if (last.get(path) !== text) {
            last.set(path, text);
            shown.set(path, (shown.get(path) ?? 0) + 1);
          }
        }
      }).observe(document.querySelector('tbody'), { subtree: true, characterData: true, childList: true });
    })()`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskDuration = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0);
    const busyBefore = await taskDuration();
    const started = performance.now();
    const total = RATE * SECONDS;
    let failures = 0;
    const posts: Array<Promise<void>> = [];
    for (let k = 0; k < total; k++) {
      const due = started + (k * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const camera = k % CAMERAS;
      const event = Math.floor(k / CAMERAS) % 2 === 0 ? 'ready' : 'notReady';
      posts.push(
        fetch(`${relay.url}/api/mediamtx/hooks/${event}`, {
          method: 'POST',
          headers: { 'x-hook-secret': bench.hookSecret, 'x-mtx-path': `cam${camera}`, 'x-mtx-source-type': 'rtspSource', 'x-mtx-source-id': '' },
        }).then(
          async (answer) => {
            await answer.arrayBuffer();
            if (!answer.ok) failures++;
          },
          () => void failures++,
        ),
      );
    }
    await Promise.all(posts);
    const sendSeconds = (performance.now() - started) / 1000;
    await sleep(2000);
    const busy = (await taskDuration()) - busyBefore;
    const wall = (performance.now() - started) / 1000;
    const shown = await page.evaluate<number>('[...window.shown.values()].reduce((a, b) => a + b, 0)');
    const lastRound = Math.floor((total - 1) / CAMERAS);
    const expectedText = lastRound % 2 === 0 ? 'Live' : 'Offline';
    const wrongAtEnd = await page.evaluate<number>(`[...document.querySelectorAll('tr[data-camera] [data-testid=status]')].filter((cell) => !cell.textContent.startsWith('${expectedText}')).length`);
    const result = {
      cameras: CAMERAS,
      eventsSent: total,
      hookFailures: failures,
      sendSeconds: Number(sendSeconds.toFixed(1)),
      statusChangesShown: shown,
      droppedUpdates: total - shown,
      camerasWrongAtEnd: wrongAtEnd,
      mainThreadBusySeconds: Number(busy.toFixed(2)),
      mainThreadBusyPercent: Number(((busy / wall) * 100).toFixed(1)),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await browser.close();
    await relay.stop();
    await fake.close();
    await postgres.destroy();
  }
}

await main();
