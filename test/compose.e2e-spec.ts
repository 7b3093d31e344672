import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadMediaMtxConfig, MODELLED_MEDIAMTX_VERSION } from './support/fake-mediamtx/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface ComposeRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Debian's docker-compose (1.29) on a copy of the repo's files; .env from .env.example. */
function composeConfig(dir: string): ComposeRun {
  const run = spawnSync('docker-compose', ['config'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME ?? dir } });
  if (run.error) {
    throw new Error(`docker-compose cannot run (${run.error.message}); install it: apt-get install -y docker-compose (.ci/run does)`);
  }
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mtx-relay-compose-'));
  for (const file of ['docker-compose.yml', 'mediamtx.yml']) copyFileSync(join(ROOT, file), join(dir, file));
  copyFileSync(join(ROOT, '.env.example'), join(dir, '.env'));
  return dir;
}

interface PortEntry {
  published?: number | string;
  target?: number | string;
  protocol?: string;
}

/** Published host ports as "port/protocol", from the short or the long syntax. */
function publishedPorts(ports: Array<string | PortEntry> | undefined): string[] {
  return (ports ?? []).map((p) => {
    if (typeof p === 'string') {
      const [mapping, protocol = 'tcp'] = p.split('/');
      const parts = mapping.split(':');
      return `${parts.length > 1 ? parts[parts.length - 2] : parts[0]}/${protocol}`;
    }
    return `${String(p.published)}/${p.protocol ?? 'tcp'}`;
  });
}

describe('docker-compose.yml', () => {
  const dirs: string[] = [];
  let config: any;

  beforeAll(() => {
    const dir = copyProject();
    dirs.push(dir);
    const run = composeConfig(dir);
    if (run.status !== 0) throw new Error(`docker-compose config failed (${run.status}):\n${run.stderr}`);
    config = parse(run.stdout);
  });

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('is accepted by docker-compose config, with postgres, mediamtx and relay', () => {
    expect(Object.keys(config.services).sort()).toEqual(['mediamtx', 'postgres', 'relay']);
  });

  it('runs MediaMTX from the -ffmpeg image of the release the tests model, with the shipped mediamtx.yml mounted read-only at /mediamtx.yml', () => {
    const mediamtx = config.services.mediamtx;
    expect(mediamtx.image).toBe(`bluenviron/mediamtx:${MODELLED_MEDIAMTX_VERSION.replace(/^v/, '')}-ffmpeg`);
    const volumes: Array<string | { source?: string; target?: string; read_only?: boolean }> = mediamtx.volumes;
    const mounted = volumes.some((v) =>
      typeof v === 'string' ? /\/mediamtx\.yml:\/mediamtx\.yml:ro$/.test(v) : v.target === '/mediamtx.yml' && v.read_only === true && (v.source ?? '').endsWith('/mediamtx.yml'),
    );
    expect(mounted).toBe(true);
    expect(mediamtx.healthcheck.test).toEqual(expect.arrayContaining(['wget']));
  });

  it('publishes only the streaming ports, never the Control API or the metrics', () => {
    const ports = publishedPorts(config.services.mediamtx.ports);
    expect(ports.sort()).toEqual(['8189/udp', '8554/tcp', '8888/tcp', '8889/tcp']);
    for (const service of Object.values<any>(config.services)) {
      const all = publishedPorts(service.ports).map((p) => p.split('/')[0]);
      expect(all).not.toContain('9997');
      expect(all).not.toContain('9998');
    }
    expect(publishedPorts(config.services.postgres.ports)).toEqual([]);
  });

  it('wires the relay and MediaMTX to each other with one shared hook secret', () => {
    const mtxEnv = config.services.mediamtx.environment;
    const relayEnv = config.services.relay.environment;
    expect(mtxEnv.RELAY_URL).toBe('http://relay:3000');
    // Only MediaMTX may call the auth callback: it proves itself with the hook secret in the URL.
    expect(mtxEnv.MTX_AUTHHTTPADDRESS).toBe(`${mtxEnv.RELAY_URL}/api/mediamtx/auth?secret=${mtxEnv.RELAY_HOOK_SECRET}`);
    expect(mtxEnv.RELAY_HOOK_SECRET).toBe('change-me-to-another-long-random-string');
    expect(relayEnv.MEDIAMTX_HOOK_SECRET).toBe(mtxEnv.RELAY_HOOK_SECRET);
    expect(relayEnv.MEDIAMTX_API_URL).toBe('http://mediamtx:9997');
    expect(relayEnv.PORT).toBe('3000');
    expect(relayEnv.MEDIAMTX_RTSP_URL).toBe('rtsp://localhost:8554');
    expect(relayEnv.MEDIAMTX_HLS_URL).toBe('http://localhost:8888');
    expect(relayEnv.MEDIAMTX_WEBRTC_URL).toBe('http://localhost:8889');
  });

  it('matches the shipped mediamtx.yml as MediaMTX reads it in that container', () => {
    const mtx = loadMediaMtxConfig(undefined, config.services.mediamtx.environment);
    expect(mtx.authMethod).toBe('http');
    expect(mtx.authHTTPAddress).toBe('http://relay:3000/api/mediamtx/auth?secret=change-me-to-another-long-random-string');
    expect(mtx.api && mtx.apiAddress).toBe(':9997');
    expect(mtx.metrics && mtx.metricsAddress).toBe(':9998');
    const raw = mtx.raw;
    expect([raw.rtspAddress, raw.hlsAddress, raw.webrtcAddress, raw.webrtcLocalUDPAddress]).toEqual([':8554', ':8888', ':8889', ':8189']);
    expect(raw.hls).toBe(true);
    for (const hook of ['runOnAvailable', 'runOnUnavailable', 'runOnRead', 'runOnUnread']) {
      expect(mtx.pathDefaults[hook]).toContain('${RELAY_URL}/api/mediamtx/hooks/');
      expect(mtx.pathDefaults[hook]).toContain('$RELAY_HOOK_SECRET');
    }
  });

  it('checks the relay with its readiness probe, while the image itself checks liveness', () => {
    const relay = config.services.relay;
    expect(relay.healthcheck.test.join(' ')).toContain("fetch('http://127.0.0.1:3000/api/health/ready')");
    expect(relay.healthcheck).toMatchObject({ retries: expect.any(Number), interval: expect.any(String), start_period: expect.any(String) });
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const healthcheck = /^HEALTHCHECK [^\n]*\\\n\s*CMD (.*)$/m.exec(dockerfile)?.[1];
    expect(healthcheck).toContain("'/api/health/live'");
  });

  it('refuses to start without the hook secret', () => {
    const dir = copyProject();
    dirs.push(dir);
    const env = readFileSync(join(dir, '.env'), 'utf8').replace(/^MEDIAMTX_HOOK_SECRET=.*$/m, '');
    writeFileSync(join(dir, '.env'), env);
    const run = composeConfig(dir);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('set MEDIAMTX_HOOK_SECRET in .env');
  });
});
