import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  FakeMediaMtx,
  loadMediaMtxConfig,
  MediaMtxDriver,
  queryEscape,
  queryUnescape,
  readHookVariables,
  REDACTED,
  splitCommand,
  type AuthRequestBody,
} from './support/fake-mediamtx/index.js';

/** A stand-in for the relay: records every request, answers what `respond` says (default 204). */
interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

interface Recorder {
  url: string;
  requests: Recorded[];
  respond: (req: Recorded) => number;
  close(): Promise<void>;
}

async function startRecorder(): Promise<Recorder> {
  const recorder: Recorder = { url: '', requests: [], respond: () => 204, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString('utf8') };
      recorder.requests.push(recorded);
      res.statusCode = recorder.respond(recorded);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  recorder.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  recorder.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return recorder;
}

/** [name, value] pairs as sent, to see headers that arrived empty. */
function headerPairs(req: Recorded): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) pairs.push([req.rawHeaders[i].toLowerCase(), req.rawHeaders[i + 1]]);
  return pairs;
}

interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

async function call(fake: FakeMediaMtx, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(fake.url + path, {
    method,
    headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

const CAMERA = { source: 'rtsp://viewer:s3cret@192.0.2.10:554/stream1', sourceOnDemand: true, rtspTransport: 'tcp' };

describe('fake MediaMTX: Control API', () => {
  let fake: FakeMediaMtx;

  beforeEach(async () => {
    fake = await FakeMediaMtx.start();
  });

  afterEach(async () => {
    await fake.stop();
  });

  it('starts with the paths of mediamtx.yml and lists them in the {itemCount, pageCount, items} envelope', async () => {
    const list = await call(fake, 'GET', '/v3/config/paths/list');
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(list.body).toEqual({ itemCount: 1, pageCount: 1, items: [expect.objectContaining({ name: 'all_others', source: 'publisher' })] });
    // The file's hooks are path defaults, so every path configuration shows them.
    expect(list.body.items[0].runOnRead).toContain('/api/mediamtx/hooks/read');
    expect((await call(fake, 'GET', '/v3/info')).body).toEqual({ version: 'v1.20.1', started: expect.any(String) });
  });

  it('adds, gets, patches, replaces and deletes paths with MediaMTX statuses and error texts', async () => {
    const added = await call(fake, 'POST', '/v3/config/paths/add/cams/front', CAMERA);
    expect(added).toMatchObject({ status: 200, body: { status: 'ok' } });
    await fake.settled();

    const got = await call(fake, 'GET', '/v3/config/paths/get/cams/front');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      name: 'cams/front',
      // MediaMTX does not redact credentials inside a source URL (only readPass/publishPass).
      source: CAMERA.source,
      sourceOnDemand: true,
      rtspTransport: 'tcp',
      sourceOnDemandStartTimeout: '10s',
      recordSegmentDuration: '1h0m0s',
      recordDeleteAfter: '1d',
      recordMaxPartSize: '50M',
      runOnDemand: '',
    });
    expect(got.body).not.toHaveProperty('readPass');

    expect(await call(fake, 'POST', '/v3/config/paths/add/cams/front', CAMERA)).toMatchObject({ status: 400, body: { status: 'error', error: 'path already exists' } });
    expect(await call(fake, 'GET', '/v3/config/paths/get/nope')).toMatchObject({ status: 404, body: { status: 'error', error: 'path configuration not found' } });
    expect(await call(fake, 'PATCH', '/v3/config/paths/patch/nope', { sourceOnDemand: true })).toMatchObject({ status: 404, body: { error: 'path not found' } });
    expect(await call(fake, 'DELETE', '/v3/config/paths/delete/nope')).toMatchObject({ status: 404, body: { error: 'path not found' } });

    expect(await call(fake, 'PATCH', '/v3/config/paths/patch/cams/front', { rtspTransport: 'udp' })).toMatchObject({ status: 200, body: { status: 'ok' } });
    await fake.settled();
    expect((await call(fake, 'GET', '/v3/config/paths/get/cams/front')).body).toMatchObject({ source: CAMERA.source, rtspTransport: 'udp' });

    // replace resets what is not given, and creates a missing path (no 404, whatever openapi.yaml says).
    expect(await call(fake, 'POST', '/v3/config/paths/replace/cams/front', { source: 'rtsp://192.0.2.11/live' })).toMatchObject({ status: 200 });
    expect(await call(fake, 'POST', '/v3/config/paths/replace/cams/new', { source: 'rtsp://192.0.2.12/live', sourceOnDemand: true })).toMatchObject({ status: 200 });
    await fake.settled();
    expect((await call(fake, 'GET', '/v3/config/paths/get/cams/front')).body).toMatchObject({ source: 'rtsp://192.0.2.11/live', sourceOnDemand: false, rtspTransport: 'automatic' });
    expect((await call(fake, 'GET', '/v3/config/paths/get/cams/new')).status).toBe(200);

    expect(await call(fake, 'DELETE', '/v3/config/paths/delete/cams/new')).toMatchObject({ status: 200, body: { status: 'ok' } });
    await fake.settled();
    expect((await call(fake, 'GET', '/v3/config/paths/get/cams/new')).status).toBe(404);
    expect(fake.pathConfigNames()).toEqual(['all_others', 'cams/front']);
  });

  it('answers a write before applying it', async () => {
    fake.applyDelayMs = 1000;
    expect((await call(fake, 'POST', '/v3/config/paths/add/late', CAMERA)).status).toBe(200);
    expect((await call(fake, 'GET', '/v3/config/paths/get/late')).status).toBe(404);
    expect((await call(fake, 'GET', '/v3/paths/get/late')).status).toBe(404);
    // Writes see earlier writes at once.
    expect((await call(fake, 'POST', '/v3/config/paths/add/late', CAMERA)).body).toEqual({ status: 'error', error: 'path already exists' });
    await fake.settled();
    expect((await call(fake, 'GET', '/v3/config/paths/get/late')).status).toBe(200);
    expect((await call(fake, 'GET', '/v3/paths/get/late')).status).toBe(200);
  });

  it('refuses what MediaMTX refuses', async () => {
    const refused = async (name: string, body: unknown): Promise<string> => {
      const answer = await call(fake, 'POST', `/v3/config/paths/add/${name}`, body);
      expect(answer.status).toBe(400);
      expect(answer.body.status).toBe('error');
      return answer.body.error as string;
    };
    expect(await refused('cam', { ...CAMERA, color: 'red' })).toBe('json: unknown field "color"');
    expect(await refused('cam', { ...CAMERA, sourceOnDemand: 'yes' })).toBe('json: cannot unmarshal string into Go value of type bool');
    expect(await refused('cam', { ...CAMERA, rtspTransport: 'quic' })).toBe("invalid transport 'quic'");
    expect(await refused('cam', { ...CAMERA, runOnDemand: 'ffmpeg -i x' })).toBe("'runOnDemand' and 'runOnUnDemand' can be used only when source is 'publisher'");
    expect(await refused('cam', { sourceOnDemand: true })).toBe("'sourceOnDemand' is useless when source is 'publisher'");
    expect(await refused('cam', { source: 'rtsp://user@192.0.2.1/x' })).toBe('username and password must be both provided');
    expect(await refused('cam', { source: 'ftp://192.0.2.1/x' })).toBe("invalid source: 'ftp://192.0.2.1/x'");
    expect(await refused('bad%20name', CAMERA)).toBe("invalid path name 'bad name': can contain only alphanumeric characters, underscore, dot, minus, slash");
    expect(await refused('cam', '')).toBe('unexpected end of JSON input');
    expect(fake.pathConfigNames()).toEqual(['all_others']);
  });

  it('redacts readPass and publishPass like MediaMTX', async () => {
    expect((await call(fake, 'POST', '/v3/config/paths/add/legacy', { readUser: 'u', readPass: 'p' })).status).toBe(200);
    await fake.settled();
    expect((await call(fake, 'GET', '/v3/config/paths/get/legacy')).body).toMatchObject({ readUser: 'u', readPass: REDACTED });
    expect(fake.pathConfig('legacy')).toMatchObject({ readPass: 'p' });
  });

  it('pages lists with page and itemsPerPage', async () => {
    for (const n of ['a', 'b', 'c', 'd']) expect((await call(fake, 'POST', `/v3/config/paths/add/${n}`, CAMERA)).status).toBe(200);
    await fake.settled();
    const page1 = await call(fake, 'GET', '/v3/config/paths/list?itemsPerPage=2&page=1');
    expect(page1.body.itemCount).toBe(5);
    expect(page1.body.pageCount).toBe(3);
    expect(page1.body.items.map((i: { name: string }) => i.name)).toEqual(['b', 'c']);
    expect((await call(fake, 'GET', '/v3/config/paths/list?itemsPerPage=2&page=7')).body).toEqual({ itemCount: 5, pageCount: 3, items: [] });
    expect(await call(fake, 'GET', '/v3/config/paths/list?itemsPerPage=0')).toMatchObject({ status: 400, body: { error: 'invalid items per page' } });
    expect(await call(fake, 'GET', '/v3/paths/list?page=x')).toMatchObject({ status: 400, body: { error: 'strconv.ParseUint: parsing "x": invalid syntax' } });
    const runtime = await call(fake, 'GET', '/v3/paths/list?itemsPerPage=3');
    expect(runtime.body).toMatchObject({ itemCount: 4, pageCount: 2 });
    expect(runtime.body.items.map((i: { name: string }) => i.name)).toEqual(['a', 'b', 'c']);
  });

  it('shows runtime paths the test drives, and kicks sessions', async () => {
    expect((await call(fake, 'POST', '/v3/config/paths/add/cam1', CAMERA)).status).toBe(200);
    await fake.settled();
    expect((await call(fake, 'GET', '/v3/paths/get/cam1')).body).toEqual({
      name: 'cam1',
      confName: 'cam1',
      ready: false,
      readyTime: null,
      available: false,
      availableTime: null,
      online: false,
      onlineTime: null,
      source: { type: 'rtspSource', id: '' },
      tracks: [],
      tracks2: [],
      readers: [],
      inboundBytes: 0,
      outboundBytes: 0,
      inboundFramesInError: 0,
      bytesReceived: 0,
      bytesSent: 0,
    });
    expect(await call(fake, 'GET', '/v3/paths/get/nope')).toMatchObject({ status: 404, body: { status: 'error', error: 'path not found' } });

    fake.setAvailable('cam1', { tracks: ['H264', 'MPEG-4 Audio'], inboundBytes: 1234 });
    const session = fake.addSession('rtspsessions', { path: 'cam1', user: 'alice' });
    const live = (await call(fake, 'GET', '/v3/paths/get/cam1')).body;
    expect(live).toMatchObject({
      available: true,
      online: true,
      tracks: ['H264', 'MPEG-4 Audio'],
      tracks2: [{ codec: 'H264', codecProps: null }, { codec: 'MPEG-4 Audio', codecProps: null }],
      readers: [{ type: 'rtspSession', id: session.id }],
      inboundBytes: 1234,
    });
    expect(live.availableTime).toEqual(expect.any(String));
    expect((await call(fake, 'GET', '/v3/rtspsessions/list')).body).toMatchObject({ itemCount: 1, items: [{ id: session.id, path: 'cam1', user: 'alice' }] });

    expect(await call(fake, 'POST', `/v3/rtspsessions/kick/${session.id}`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(fake.kicks).toEqual([{ kind: 'rtspsessions', id: session.id, found: true, at: expect.any(Number) }]);
    expect(fake.path('cam1')?.readers).toEqual([]);
    expect(await call(fake, 'POST', `/v3/rtspsessions/kick/${session.id}`)).toMatchObject({ status: 404, body: { error: 'session not found' } });
    expect(await call(fake, 'POST', '/v3/rtmpconns/kick/00000000-0000-0000-0000-000000000000')).toMatchObject({ status: 404, body: { error: 'connection not found' } });
    expect(await call(fake, 'POST', '/v3/webrtcsessions/kick/abc')).toMatchObject({ status: 400, body: { error: 'invalid UUID length: 3' } });

    const reader = fake.addSession('webrtcsessions', { path: 'cam1' });
    expect(fake.setUnavailable('cam1')).toEqual([{ type: 'webRTCSession', id: reader.id }]);
    expect(fake.session(reader.id)).toBeUndefined();
    expect(fake.path('cam1')).toMatchObject({ available: false, readers: [], tracks: [], inboundBytes: 0 });

    const unknown = await call(fake, 'GET', '/v3/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('404 page not found');
  });

  it('forgets API-added paths, runtime state and sessions on wipe(), like a restart', async () => {
    expect((await call(fake, 'POST', '/v3/config/paths/add/cam1', CAMERA)).status).toBe(200);
    await fake.settled();
    fake.setAvailable('cam1');
    fake.addSession('rtspsessions', { path: 'cam1' });
    await fake.restart();
    expect(fake.restarts).toBe(1);
    expect((await call(fake, 'GET', '/v3/config/paths/list')).body.items.map((i: { name: string }) => i.name)).toEqual(['all_others']);
    expect((await call(fake, 'GET', '/v3/paths/list')).body).toEqual({ itemCount: 0, pageCount: 0, items: [] });
    expect(fake.sessions()).toEqual([]);
  });

  it('applies writes after a lag drawn from a range, in the order they were made', async () => {
    const lagging = await FakeMediaMtx.start({ applyDelayMs: { minMs: 100, maxMs: 600 }, seed: 3 });
    try {
      for (const n of ['a', 'b', 'c']) expect((await call(lagging, 'POST', `/v3/config/paths/add/${n}`, CAMERA)).status).toBe(200);
      expect((await call(lagging, 'DELETE', '/v3/config/paths/delete/b')).status).toBe(200);
      expect((await call(lagging, 'POST', '/v3/config/paths/replace/a', { ...CAMERA, rtspTransport: 'udp' })).status).toBe(200);
      expect(lagging.pathConfigNames()).toEqual(['all_others']);
      // Each snapshot lands after the one before, whatever its own lag: never b back, never the old a.
      const seen: string[][] = [];
      while (lagging.pathConfigNames().length < 3 || lagging.pathConfig('a')?.rtspTransport !== 'udp') {
        const names = lagging.pathConfigNames();
        if (JSON.stringify(seen.at(-1)) !== JSON.stringify(names)) seen.push(names);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await lagging.settled();
      expect(lagging.pathConfigNames()).toEqual(['a', 'all_others', 'c']);
      expect(seen.every((names) => names.length <= 3)).toBe(true);
    } finally {
      await lagging.stop();
    }
  });

  it('changes /v3/info started on a restart; a reload drops the API paths and closes their readers, and keeps started', async () => {
    expect((await call(fake, 'POST', '/v3/config/paths/add/cam1', CAMERA)).status).toBe(200);
    await fake.settled();
    const before = (await call(fake, 'GET', '/v3/info')).body.started;
    fake.setAvailable('cam1');
    const session = fake.addSession('hlssessions', { path: 'cam1' });
    const closed = fake.reload();
    expect(fake.reloads).toBe(1);
    expect(closed).toEqual([{ name: 'cam1', available: true, readers: [{ type: 'hlsSession', id: session.id }] }]);
    expect(fake.pathConfigNames()).toEqual(['all_others']);
    expect(fake.sessions()).toEqual([]);
    expect((await call(fake, 'GET', '/v3/info')).body.started).toBe(before);
    await fake.restart();
    const after = (await call(fake, 'GET', '/v3/info')).body.started;
    expect(Date.parse(after)).toBeGreaterThan(Date.parse(before));
  });

  it('has the session routes of the servers that run, with the fields openapi.yaml gives each kind', async () => {
    const strict = await FakeMediaMtx.start({ env: { MTX_RTSPENCRYPTION: 'strict', MTX_RTMPENCRYPTION: 'optional' } });
    try {
      expect(strict.config.servers).toMatchObject({ rtsp: false, rtsps: true, rtmp: true, rtmps: true, moq: true });
      const missing = await call(strict, 'GET', '/v3/rtspsessions/list');
      expect(missing).toMatchObject({ status: 404, text: '404 page not found' });
      expect(() => strict.addSession('rtspsessions', { path: 'x' })).toThrow('the rtsp server is off');
      strict.addPathConfig('cam', { source: 'publisher' });
      strict.setAvailable('cam');
      const rtsps = strict.addSession('rtspssessions', { path: 'cam' });
      expect(strict.path('cam')!.readers).toEqual([{ type: 'rtspsSession', id: rtsps.id }]);
      const listed = await call(strict, 'GET', '/v3/rtspssessions/list');
      expect(listed.body.items[0]).toMatchObject({ id: rtsps.id, state: 'read', profile: 'SAVP', conns: [] });
      expect(Object.keys(listed.body.items[0])).toHaveLength(33);
      const moq = strict.addSession('moqsessions', { path: 'cam' });
      const moqItem = (await call(strict, 'GET', `/v3/moqsessions/get/${moq.id}`)).body;
      expect(Object.keys(moqItem).sort()).toEqual(['created', 'id', 'inboundBytes', 'outboundBytes', 'path', 'query', 'remoteAddr', 'state', 'transport', 'userAgent', 'version']);
      const hls = strict.addSession('hlssessions', { path: 'cam' });
      expect(Object.keys((await call(strict, 'GET', `/v3/hlssessions/get/${hls.id}`)).body).sort()).toEqual(['created', 'id', 'isCDN', 'outboundBytes', 'path', 'query', 'remoteAddr', 'user', 'userAgent']);
      expect(await call(strict, 'POST', `/v3/moqsessions/kick/${moq.id}`)).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect(strict.endSession(hls.id)).toEqual({ type: 'hlsSession', id: hls.id });
      expect(strict.path('cam')!.readers).toEqual([{ type: 'rtspsSession', id: rtsps.id }]);
    } finally {
      await strict.stop();
    }
  });

  it('goes down and comes back on the same port', async () => {
    const { port } = fake;
    expect((await call(fake, 'POST', '/v3/config/paths/add/cam1', CAMERA)).status).toBe(200);
    await fake.settled();
    await fake.stop();
    await expect(fetch(`${fake.url}/v3/config/paths/list`)).rejects.toThrow();
    await fake.start();
    expect(fake.port).toBe(port);
    // A stop is an outage, not a restart: the state is kept.
    expect((await call(fake, 'GET', '/v3/config/paths/get/cam1')).status).toBe(200);
  });

  it('can fail or hang requests on purpose', async () => {
    fake.injectFault({ method: 'POST', path: /^\/v3\/config\/paths\/add\//, status: 500, body: { status: 'error', error: 'boom' } });
    expect(await call(fake, 'POST', '/v3/config/paths/add/cam1', CAMERA)).toMatchObject({ status: 500, body: { error: 'boom' } });
    expect((await call(fake, 'POST', '/v3/config/paths/add/cam1', CAMERA)).status).toBe(200);
    fake.injectFault({ path: '/v3/paths/list', hang: true });
    await expect(fetch(`${fake.url}/v3/paths/list`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
  });

  describe('with authMethod http (authCallbackUrl)', () => {
    let relay: Recorder;

    beforeAll(async () => {
      relay = await startRecorder();
    });

    afterAll(async () => {
      await relay.close();
    });

    it('asks the relay about every request (action api) and refuses with 401 unless it answers 2xx', async () => {
      relay.requests.length = 0;
      fake.authCallbackUrl = `${relay.url}/api/mediamtx/auth`;
      relay.respond = (req) => {
        const body = JSON.parse(req.body) as AuthRequestBody;
        return body.user === 'mtx-relay' && body.password === 'service-password' ? 200 : body.user === '' ? 401 : 403;
      };

      const anonymous = await call(fake, 'GET', '/v3/config/paths/list?x=1');
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toEqual({ status: 'error', error: 'authentication error' });
      expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="mediamtx"');
      expect(relay.requests[0].method).toBe('POST');
      expect(relay.requests[0].url).toBe('/api/mediamtx/auth');
      expect(relay.requests[0].headers['content-type']).toBe('application/json');
      expect(relay.requests[0].body).toBe(
        JSON.stringify({ ip: '127.0.0.1', user: '', password: '', token: '', action: 'api', path: '', protocol: '', id: null, query: 'x=1', userAgent: '' }),
      );

      const wrong = await call(fake, 'GET', '/v3/config/paths/list', undefined, { Authorization: `Basic ${Buffer.from('mallory:guess').toString('base64')}` });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBeNull();

      const basic = `Basic ${Buffer.from('mtx-relay:service-password').toString('base64')}`;
      expect((await call(fake, 'GET', '/v3/config/paths/list', undefined, { Authorization: basic })).status).toBe(200);
      // With a password, MediaMTX also copies it into `token`.
      expect(JSON.parse(relay.requests.at(-1)!.body)).toMatchObject({ user: 'mtx-relay', password: 'service-password', token: 'service-password', action: 'api' });
      expect(fake.authCalls.map((c) => c.status)).toEqual([401, 403, 200]);

      // The relay being unreachable refuses everything.
      fake.authCallbackUrl = 'http://127.0.0.1:1/api/mediamtx/auth';
      expect((await call(fake, 'GET', '/v3/config/paths/list', undefined, { Authorization: basic })).status).toBe(401);
    });
  });
});

describe('fake MediaMTX: driver (the shipped mediamtx.yml with real wget)', () => {
  let relay: Recorder;
  let driver: MediaMtxDriver;
  const SECRET = `hook secret with spaces "quotes" 'single' $HOME \\ and more`;

  beforeAll(async () => {
    expect(execFileSync('sh', ['-c', 'command -v wget'], { encoding: 'utf8' }).trim()).not.toBe('');
    relay = await startRecorder();
    driver = new MediaMtxDriver({ relayUrl: relay.url, hookSecret: SECRET });
  });

  afterAll(async () => {
    await relay.close();
  });

  beforeEach(() => {
    relay.requests.length = 0;
    relay.respond = () => 204;
  });

  it('reads the shipped configuration: http auth to the relay, API and metrics on, hooks but no demand hooks', () => {
    const file = loadMediaMtxConfig();
    expect(file.authMethod).toBe('http');
    expect(file.authHTTPAddress).toBe('http://relay:3000/api/mediamtx/auth');
    expect(file.authHTTPExclude).toEqual([]);
    expect(file.api).toBe(true);
    expect(file.apiAddress).toBe(':9997');
    expect(file.metrics).toBe(true);
    expect(file.metricsAddress).toBe(':9998');
    expect(file.pathDefaults.runOnDemand).toBe('');
    expect(file.pathDefaults.runOnUnDemand).toBe('');
    expect(file.raw.authHTTPAddress).not.toContain('$');
    // MTX_AUTHHTTPADDRESS overrides it, as in docker-compose.yml.
    expect(driver.authHTTPAddress).toBe(`${relay.url}/api/mediamtx/auth?secret=${encodeURIComponent(SECRET)}`);
    for (const hook of ['runOnAvailable', 'runOnUnavailable', 'runOnRead', 'runOnUnread'] as const) {
      const words = splitCommand(driver.hookCommand(hook));
      expect(words[0]).toBe('wget');
      expect(words).toEqual(expect.arrayContaining(['-q', '-O', '/dev/null', '-T', '5', '-t', '1', '--post-data=', '--header=X-Hook-Secret: $RELAY_HOOK_SECRET']));
    }
  });

  // What a reader of rtsp://host:8554/cams/front?a=1&b=x%20y&c="q"&d=é sends as its raw query.
  const RAW_QUERY = 'a=1&b=x%20y&c="q"&d=é&token=t0k';

  const hookCases = [
    { hook: 'runOnAvailable', event: 'ready', kind: 'source' },
    { hook: 'runOnUnavailable', event: 'notReady', kind: 'source' },
    { hook: 'runOnRead', event: 'read', kind: 'reader' },
    { hook: 'runOnUnread', event: 'unread', kind: 'reader' },
  ] as const;

  it.each(hookCases)('$hook POSTs /api/mediamtx/hooks/$event with the secret and the variables intact', async ({ hook, event, kind }) => {
    const vars: Record<string, string> = {
      MTX_PATH: 'cams/front.door-1',
      RTSP_PATH: 'cams/front.door-1',
      RTSP_PORT: '8554',
      MTX_QUERY: queryEscape(RAW_QUERY),
      ...(kind === 'source' ? { MTX_SOURCE_TYPE: 'rtspSource', MTX_SOURCE_ID: '' } : { MTX_READER_TYPE: 'rtspSession', MTX_READER_ID: '5f0d8a5e-9a8b-4c1e-8f3a-0b6f2b1d7c11' }),
    };
    const run = await driver.runHook(hook, vars);
    expect(run.exitCode).toBe(0);
    expect(run.argv[0]).toBe('wget');

    expect(relay.requests).toHaveLength(1);
    const [req] = relay.requests;
    expect(req.method).toBe('POST');
    expect(req.url).toBe(`/api/mediamtx/hooks/${event}`);
    expect(req.body).toBe('');
    expect(req.headers['content-length']).toBe('0');
    expect(req.headers['x-hook-secret']).toBe(SECRET);
    expect(req.headers['x-mtx-path']).toBe('cams/front.door-1');
    expect(req.headers['x-mtx-query']).toBe('a%3D1%26b%3Dx%2520y%26c%3D%22q%22%26d%3D%C3%A9%26token%3Dt0k');
    expect(queryUnescape(req.headers['x-mtx-query'] as string)).toBe(RAW_QUERY);
    if (kind === 'source') {
      expect(req.headers['x-mtx-source-type']).toBe('rtspSource');
      // An empty variable still sends its header, empty.
      expect(headerPairs(req)).toContainEqual(['x-mtx-source-id', '']);
      expect(req.headers).not.toHaveProperty('x-mtx-reader-type');
    } else {
      expect(req.headers['x-mtx-reader-type']).toBe('rtspSession');
      expect(req.headers['x-mtx-reader-id']).toBe('5f0d8a5e-9a8b-4c1e-8f3a-0b6f2b1d7c11');
      expect(req.headers).not.toHaveProperty('x-mtx-source-type');
    }
  });

  it('keeps hostile values in one argument: no re-splitting, no second expansion', async () => {
    const hostile = `a b "c" 'd' $RELAY_URL \${X} & e=f;g|h`;
    await driver.runHook('runOnRead', { MTX_PATH: 'cam', MTX_QUERY: hostile, MTX_READER_TYPE: 'hlsSession', MTX_READER_ID: 'x y' });
    expect(relay.requests[0].headers['x-mtx-query']).toBe(hostile);
    expect(relay.requests[0].headers['x-mtx-reader-id']).toBe('x y');
  });

  it('sends a hook variable MediaMTX did not set as an empty header (from its environment, if there)', async () => {
    await driver.runHook('runOnAvailable', { MTX_PATH: 'cam', MTX_QUERY: '' });
    const pairs = headerPairs(relay.requests[0]);
    for (const name of ['x-mtx-source-type', 'x-mtx-source-id', 'x-mtx-query']) expect(pairs).toContainEqual([name, '']);
  });

  it('reports a refused hook through the exit code only (MediaMTX just logs it)', async () => {
    relay.respond = () => 401;
    const run = await driver.read('cam', { id: 'r1' });
    expect(run.exitCode).not.toBe(0);
    expect(relay.requests).toHaveLength(1);
  });

  it('delivers hooks under chaos as planned by its seed: delayed, reordered, some lost', async () => {
    const run = async () => {
      relay.requests.length = 0;
      const chaotic = new MediaMtxDriver({ relayUrl: relay.url, hookSecret: SECRET, chaos: { seed: 42, maxDelayMs: 300, dropRate: 0.4 } });
      for (let i = 0; i < 12; i += 1) await chaotic.read('cam', { id: `r${i}` });
      await chaotic.unread('cam', { id: 'r0' });
      await chaotic.idle();
      return { chaotic, arrived: relay.requests.map((req) => req.headers['x-mtx-reader-id'] as string) };
    };
    const first = await run();
    const lost = first.chaotic.hookRuns.filter((hookRun) => hookRun.dropped).length;
    expect(lost).toBeGreaterThan(0);
    // Only runOnRead (and runOnAvailable) are ever lost: MediaMTX interrupts those.
    expect(first.chaotic.hookRuns.filter((hookRun) => hookRun.dropped).every((hookRun) => hookRun.hook === 'runOnRead')).toBe(true);
    expect(first.arrived).toHaveLength(13 - lost);
    expect(first.arrived).toContain('r0');
    const second = await run();
    expect(second.chaotic.chaos!.plans).toEqual(first.chaotic.chaos!.plans);
    expect([...second.arrived].sort()).toEqual([...first.arrived].sort());
  });

  it('has helpers that build the variables as MediaMTX does', async () => {
    await driver.ready('cam');
    expect(relay.requests[0].headers).toMatchObject({ 'x-mtx-path': 'cam', 'x-mtx-query': '', 'x-mtx-source-type': 'rtspSource', 'x-mtx-source-id': '' });
    expect(readHookVariables({ path: 'cam', query: 'a=b c', readerId: 'r' })).toEqual({
      MTX_PATH: 'cam',
      RTSP_PATH: 'cam',
      RTSP_PORT: '8554',
      MTX_QUERY: 'a%3Db+c',
      MTX_READER_TYPE: 'rtspSession',
      MTX_READER_ID: 'r',
    });
  });

  it("POSTs MediaMTX's auth callback body to authHTTPAddress", async () => {
    relay.respond = () => 200;
    const status = await driver.authRequest({ action: 'read', path: 'cam', protocol: 'rtsp', user: 'alice', password: 'pw', token: 'pw', id: '5f0d8a5e-9a8b-4c1e-8f3a-0b6f2b1d7c11', query: 'a=1' });
    expect(status).toBe(200);
    const [req] = relay.requests;
    expect(req.method).toBe('POST');
    // The hook secret rides in the URL's query (fetch, like Go, escapes what is left of it).
    const address = new URL(driver.authHTTPAddress);
    expect(req.url).toBe(`${address.pathname}${address.search}`);
    expect(address.searchParams.get('secret')).toBe(SECRET);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body).toBe(
      '{"ip":"127.0.0.1","user":"alice","password":"pw","token":"pw","action":"read","path":"cam","protocol":"rtsp","id":"5f0d8a5e-9a8b-4c1e-8f3a-0b6f2b1d7c11","query":"a=1","userAgent":""}',
    );
  });

  it('judges client requests the way MediaMTX does', async () => {
    relay.respond = (req) => ((JSON.parse(req.body) as AuthRequestBody).token === 'good' ? 200 : 401);
    const rtsp = { action: 'read', path: 'cam', protocol: 'rtsp' } as const;
    expect(await driver.authenticate({ ...rtsp, credentials: { user: 'alice', pass: 'good' } })).toMatchObject({ result: 'allowed', body: { user: 'alice', password: 'good', token: 'good' } });
    expect(await driver.authenticate({ ...rtsp, query: 'token=good' })).toMatchObject({ result: 'allowed', body: { token: 'good', query: 'token=good' } });
    expect(await driver.authenticate(rtsp)).toMatchObject({ status: 401, result: 'askCredentials' });
    expect(await driver.authenticate({ ...rtsp, credentials: { user: 'alice', pass: 'bad' } })).toMatchObject({ status: 401, result: 'denied' });
    // HLS: ?token= stays in the raw query; MediaMTX does not copy it into `token` (authMethod http).
    expect(await driver.authenticate({ action: 'read', path: 'cam', protocol: 'hls', query: 'token=good' })).toMatchObject({ result: 'askCredentials', body: { token: '', query: 'token=good' } });
  });
});
