/**
 * The web UI under a stream of status events: 200 cameras on the cameras page, 100 `ready` /
 * `notReady` hooks a second for 30 s (each camera flips every 2 s). The bench's fake MediaMTX
 * shows each path as the hooks say (the stream state is set before its hook, as in MediaMTX), so
 * the relay has nothing to correct. Reports the page's first-load transfer size, its main-thread
 * busy time (Chrome's TaskDuration over the run), and the status changes the page showed against
 * those the relay published (counted by a client of its own, corrections included): the
 * difference is the dropped updates. Run with `npm run bench:web` (after `npm run build`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@mtx-relay/client';
import { chromium, type CDPSession, type Page } from 'playwright-core';
import { startFakeMediaMtx } from './lib/fake-mediamtx.js';
import { startPostgres } from './lib/postgres.js';
import { startServer, type BenchEnvironment } from './lib/servers.js';

const CAMERAS = Number(process.env.BENCH_CAMERAS ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the browser transferred (compressed, headers included) to show the sign-in page of a fresh context. */
async function firstLoadBytes(page: Page, url: string): Promise<{ bytes: number; requests: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  let bytes = 0;
  let requests = 0;
  cdp.on('Network.loadingFinished', (event) => {
    bytes += event.encodedDataLength;
    requests++;
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await cdp.detach();
  return { bytes, requests };
}

interface TraceEvent {
  phase: string;
  name: string;
  thread: string;
  microseconds: number;
  threadName: unknown;
}

function traceEvent(raw: Record<string, unknown>): TraceEvent {
  const args = raw.args;
  return {
    phase: String(raw.ph),
    name: String(raw.name),
    thread: `${String(raw.pid)}:${String(raw.tid)}`,
    microseconds: typeof raw.dur === 'number' ? raw.dur : 0,
    threadName: typeof args === 'object' && args !== null && 'name' in args ? args.name : undefined,
  };
}

/**
 * Records a Chrome trace of the page; the function it returns stops it and tells where the
 * renderer's main thread spent its time (ms per event name, nested events counted in each).
 */
async function startTrace(cdp: CDPSession): Promise<() => Promise<string>> {
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (collected) => {
    for (const raw of collected.value) events.push(traceEvent(raw));
  });
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
  return async () => {
    const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    await complete;
    const main = new Set(events.filter((event) => event.name === 'thread_name' && event.threadName === 'CrRendererMain').map((event) => event.thread));
    const perName = new Map<string, { ms: number; count: number }>();
    for (const event of events) {
      if (event.phase !== 'X' || !main.has(event.thread)) continue;
      const sum = perName.get(event.name) ?? { ms: 0, count: 0 };
      sum.ms += event.microseconds / 1000;
      sum.count++;
      perName.set(event.name, sum);
    }
    const top = [...perName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12);
    return ['main thread, by trace event:', ...top.map(([name, sum]) => `  ${name.padEnd(28)} ${sum.ms.toFixed(0).padStart(7)} ms in ${sum.count}`)].join('\n');
  };
}

interface PublishedEvent {
  camera: number;
  live: boolean;
  /** When the bench's client received it (ms). */
  at: number;
  /** A correction by the relay's stream reconciler, not a hook. */
  reconciled: boolean;
}

/** How many times the cameras' shown status would change if every event were shown, from the events in order. */
function statusChanges(events: PublishedEvent[]): number {
  const live = new Map<number, boolean>();
  let changes = 0;
  for (const event of events) {
    if ((live.get(event.camera) ?? false) !== event.live) changes++;
    live.set(event.camera, event.live);
  }
  return changes;
}

/**
 * The cameras whose shown changes fall short of their published ones, by the shortest time
 * between two consecutive published changes of theirs: drops that only hit cameras whose flips
 * arrived close together are the page drawing once a frame, not updates lost.
 */
function dropsByShortestGap(events: PublishedEvent[], pathOf: Map<number, string>, shownPerPath: Map<string, number>): Record<string, number> {
  const perCamera = new Map<number, PublishedEvent[]>();
  for (const event of events) perCamera.set(event.camera, [...(perCamera.get(event.camera) ?? []), event]);
  const buckets: Record<string, number> = { 'under 50 ms': 0, '50-500 ms': 0, '500 ms and more': 0 };
  for (const [camera, list] of perCamera) {
    const changes = statusChanges(list);
    if ((shownPerPath.get(pathOf.get(camera) ?? '') ?? 0) >= changes) continue;
    const gaps = list.slice(1).map((event, i) => event.at - list[i].at);
    const shortest = Math.min(...gaps);
    buckets[shortest < 50 ? 'under 50 ms' : shortest < 500 ? '50-500 ms' : '500 ms and more']++;
  }
  return buckets;
}

/**
 * The time from each hook to the page showing its change (p50, p99, max in ms), over the cameras
 * whose every hook flipped their status and every flip was shown, so the n-th shown change is the
 * n-th hook's.
 */
function latencies(sentAt: Map<string, number[]>, shownAt: Map<string, number[]>): { p50: number; p99: number; max: number; changes: number } {
  const all: number[] = [];
  for (const [path, sent] of sentAt) {
    const shown = shownAt.get(path) ?? [];
    if (shown.length !== sent.length) continue;
    sent.forEach((at, index) => all.push(shown[index] - at));
  }
  all.sort((a, b) => a - b);
  const at = (share: number) => all[Math.min(all.length - 1, Math.floor(all.length * share))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: all.at(-1) ?? NaN, changes: all.length };
}

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
    const pathOf = new Map<number, string>();
    for (let i = 0; i < CAMERAS; i++) {
      const body = { name: `Camera ${String(i).padStart(3, '0')}`, mtx_path: `cam${i}`, source_url: `rtsp://192.0.2.10/${i}` };
      const created = await fetch(`${relay.url}/api/cameras`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
      if (created.status !== 201) throw new Error(`camera ${i}: ${created.status} ${await created.text()}`);
      pathOf.set(((await created.json()) as { id: number }).id, body.mtx_path);
    }
    // The relay's own stream of status events, as any client gets it.
    const watcher = await createClient({ url: relay.url, username: 'admin', password: bench.adminPassword, socketOptions: { transports: ['websocket'] } });
    const published: PublishedEvent[] = [];
    let reconciled = 0;
    for (const [event, live] of [['camera:ready', true], ['camera:notReady', false]] as const) {
      watcher.on(event, (payload) => {
        if (payload.entity === null) return;
        const correction = payload.details.reconciled === true;
        published.push({ camera: payload.entity, live, at: performance.now(), reconciled: correction });
        if (correction) reconciled++;
      });
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const firstLoad = await firstLoadBytes(page, relay.url);
    await page.getByLabel('Username', { exact: true }).fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(bench.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The page's code is given as text: this folder is compiled without the DOM's types.
    await page.waitForFunction(`document.querySelectorAll('tr[data-camera]').length === ${CAMERAS}`, undefined, { timeout: 60_000 });
    // Counts every status text the page shows, per camera.
    await page.evaluate(`(() => {
      const shown = new Map();
      window.shown = shown;
      const shownAt = new Map();
      window.shownAt = shownAt;
      const last = new Map();
      for (const row of document.querySelectorAll('tr[data-camera]')) last.set(row.getAttribute('data-camera'), row.querySelector('[data-testid=status]').textContent);
      new MutationObserver(() => {
        for (const row of document.querySelectorAll('tr[data-camera]')) {
          const path = row.getAttribute('data-camera');
          const text = row.querySelector('[data-testid=status]').textContent;
          if (last.get(path) !== text) {
            last.set(path, text);
            shown.set(path, (shown.get(path) ?? 0) + 1);
            shownAt.set(path, [...(shownAt.get(path) ?? []), Date.now()]);
          }
        }
      }).observe(document.querySelector('tbody'), { subtree: true, characterData: true, childList: true });
    })()`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskDuration = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0);
    const trace = process.env.BENCH_TRACE ? await startTrace(cdp) : undefined;
    const busyBefore = await taskDuration();
    const started = performance.now();
    const total = RATE * SECONDS;
    let failures = 0;
    // When each camera's hooks were sent and its changes shown (wall clock, the same on both sides).
    const sentAt = new Map<string, number[]>();
    const posts: Array<Promise<void>> = [];
    for (let k = 0; k < total; k++) {
      const due = started + (k * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const camera = k % CAMERAS;
      const event = Math.floor(k / CAMERAS) % 2 === 0 ? 'ready' : 'notReady';
      fake.setAvailable(`cam${camera}`, event === 'ready');
      sentAt.set(`cam${camera}`, [...(sentAt.get(`cam${camera}`) ?? []), Date.now()]);
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
    // Until the relay's stream has been quiet for 3 s (at most a minute): a loaded relay is
    // still publishing after the last hook's answer. Then a moment for the page's last frame.
    const drainStarted = performance.now();
    for (let quiet = 0, seen = published.length; quiet < 3000 && performance.now() - drainStarted < 60_000; ) {
      await sleep(100);
      quiet = published.length === seen ? quiet + 100 : 0;
      seen = published.length;
    }
    const drainSeconds = (performance.now() - drainStarted) / 1000 - 3;
    await sleep(1000);
    const busy = (await taskDuration()) - busyBefore;
    if (trace) process.stderr.write(`${await trace()}\n`);
    const wall = (performance.now() - started) / 1000;
    const shown = await page.evaluate<number>('[...window.shown.values()].reduce((a, b) => a + b, 0)');
    const shownPerPath = new Map(await page.evaluate<Array<[string, number]>>('[...window.shown.entries()]'));
    const lastRound = Math.floor((total - 1) / CAMERAS);
    const expectedText = lastRound % 2 === 0 ? 'Live' : 'Offline';
    const shownAtEnd = new Map(await page.evaluate<Array<[string, string]>>(`[...document.querySelectorAll('tr[data-camera]')].map((row) => [row.getAttribute('data-camera'), row.querySelector('[data-testid=status]').textContent])`));
    // Against the last hook sent, and against the last state the relay published (the page's part).
    const wrongAtEnd = [...shownAtEnd.values()].filter((text) => !text.startsWith(expectedText)).length;
    const lastPublished = new Map(published.map((event) => [pathOf.get(event.camera), event.live]));
    const notAsPublished = [...lastPublished].filter(([path, live]) => !shownAtEnd.get(path ?? '')?.startsWith(live ? 'Live' : 'Offline')).length;
    const shownAt = new Map(await page.evaluate<Array<[string, number[]]>>('[...window.shownAt.entries()]'));
    const hookToShown = latencies(sentAt, shownAt);
    const expected = statusChanges(published);
    const dropsByGap = dropsByShortestGap(published, pathOf, shownPerPath);
    watcher.close();
    const result = {
      cameras: CAMERAS,
      firstLoadKilobytes: Number((firstLoad.bytes / 1024).toFixed(1)),
      firstLoadRequests: firstLoad.requests,
      eventsSent: total,
      hookFailures: failures,
      sendSeconds: Number(sendSeconds.toFixed(1)),
      // How long the relay kept publishing after the last hook was answered.
      drainSeconds: Number(Math.max(0, drainSeconds).toFixed(1)),
      eventsPublished: published.length,
      correctionsPublished: reconciled,
      statusChangesPublished: expected,
      statusChangesShown: shown,
      droppedUpdates: expected - shown,
      // Cameras with a dropped change, by the shortest time between two of their published changes.
      camerasWithDropsByShortestGap: dropsByGap,
      camerasNotAsLastHookAtEnd: wrongAtEnd,
      camerasNotAsLastPublishedAtEnd: notAsPublished,
      // From a hook's POST to the page showing its change, for cameras that showed every change.
      hookToShownMs: hookToShown,
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
