import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { FakeMediaMtx, MediaMtxDriver } from './support/fake-mediamtx/index.js';
import { createDatabase } from './support/postgres.js';
import { ShellSession } from './support/shell-session.js';
import { MAIN } from './support/test-server.js';
import { eventually } from './support/waiting.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The README's walkthrough: its ```sh walkthrough blocks, in order. */
const blocks = [...README.matchAll(/^```sh walkthrough\n([\s\S]*?)^```$/gm)].map((match) => match[1]);

/** What a block says it prints: its `# → ` lines, `…` standing for anything. */
function shownOutput(block: string): RegExp[] {
  return block
    .split('\n')
    .filter((line) => line.startsWith('# → '))
    .map((line) => new RegExp(`^${line.slice(4).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/…/g, '.+')}$`));
}

function expectShown(block: string, output: string): void {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  const shown = shownOutput(block);
  expect(lines).toHaveLength(shown.length);
  shown.forEach((pattern, index) => expect(lines[index]).toMatch(pattern));
}

/** `docker run` arguments as the stub recorded them: flags by name, the image last. */
function dockerRun(file: string) {
  const args = readFileSync(file, 'utf8').split('\0').slice(0, -1);
  const flags: Record<string, string[]> = {};
  let index = 1;
  for (; index < args.length - 1; index += 1) {
    const flag = args[index];
    if (flag === '-d') continue;
    const [name, inline] = flag.startsWith('--') && flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    (flags[name] ??= []).push(inline ?? args[(index += 1)]);
  }
  const env = Object.fromEntries((flags['-e'] ?? []).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  return { command: args[0], flags, env, image: args[args.length - 1] };
}

/** `:8554` → 8554 */
const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

describe('the README walkthrough, run as written', () => {
  const work = mkdtempSync(join(tmpdir(), 'mtx-relay-walkthrough-'));
  const stubs = join(work, 'stubs');
  const dockerArgs = join(work, 'docker-args');
  let fake: FakeMediaMtx;
  let relay: ChildProcess | undefined;
  let url: string;
  let shell: ShellSession;
  let rtspUrl: string;

  beforeAll(async () => {
    // The checkout as the walkthrough sees it: its mediamtx.yml, and data/ once the relay ran.
    symlinkSync(join(ROOT, 'mediamtx.yml'), join(work, 'mediamtx.yml'));
    // Docker is not here: a stand-in records what `docker run` was given.
    mkdirSync(stubs);
    writeFileSync(join(stubs, 'docker'), `#!/bin/sh\nprintf '%s\\0' "$@" > '${dockerArgs}'\n`, { mode: 0o755 });
    fake = await FakeMediaMtx.start();
  });
  afterAll(async () => {
    shell?.close();
    if (relay?.pid && relay.exitCode === null) {
      const exited = new Promise((resolve) => relay!.once('exit', resolve));
      process.kill(-relay.pid, 'SIGTERM');
      await exited;
    }
    await fake?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('has the six blocks, the first the start command of package.json', () => {
    expect(blocks).toHaveLength(6);
    expect(blocks[0].trim()).toBe('npm start | tee relay.log');
    // The step below runs the start command without its build: the suite runs on a build.
    expect((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start).toBe('npm run build && node dist/main.js');
  });

  it('1. starts the relay, which prints the generated admin password into relay.log', async () => {
    const databaseUrl = await createDatabase(process.env.TEST_POSTGRES_ADMIN_URL!, `test_${randomBytes(6).toString('hex')}`);
    // As in a terminal: the block as written, `npm start` being the build's start (above). Not on
    // port 3000, which may be taken here: the steps below are pointed at the port it took.
    const npm = `npm() { [ "$*" = start ] || { echo "npm $* is not the walkthrough's" >&2; return 1; }; node '${MAIN}'; }`;
    relay = spawn('bash', ['-c', `${npm}\n${blocks[0]}`], {
      cwd: work,
      detached: true,
      env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, MEDIAMTX_API_URL: fake.url, MEDIAMTX_RECONCILE_SECONDS: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    relay.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    relay.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const listening = await eventually(() => output.split('\n').find((line) => line.includes('"msg":"listening"')), (line) => line !== undefined || relay!.exitCode !== null, 60_000);
    if (!listening) throw new Error(`the relay did not start:\n${output}`);
    url = (JSON.parse(listening) as { url: string }).url;
    fake.authCallbackUrl = `${url}/api/mediamtx/auth?secret=${encodeURIComponent(readFileSync(join(work, 'data', 'mediamtx-hook-secret'), 'utf8').trim())}`;
    expect(readFileSync(join(work, 'relay.log'), 'utf8')).toMatch(/created user "admin" with password: \S+/);

    shell = new ShellSession(work, { PATH: `${stubs}:${process.env.PATH}`, HOME: work });
    expectShown(blocks[1], await shell.run(blocks[1].replaceAll('http://localhost:3000', url)));
    expect(await shell.value('PASSWORD')).toMatch(/^\S{12,}$/);
  }, 90_000);

  it('2. starts MediaMTX as docker-compose.yml and mediamtx.yml have it, with the relay\'s hook secret', async () => {
    expectShown(blocks[2], await shell.run(blocks[2]));
    const run = dockerRun(dockerArgs);
    const compose = (parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { image: string; ports: string[]; volumes: string[]; environment: Record<string, string> }> }).services.mediamtx;
    const mediamtx = parse(readFileSync(join(ROOT, 'mediamtx.yml'), 'utf8')) as Record<string, string>;
    expect(run.command).toBe('run');
    expect(run.image).toBe(compose.image);
    expect(run.image).toBe('bluenviron/mediamtx:1.20.1-ffmpeg');

    // The ports compose publishes, where mediamtx.yml listens, and the Control API on loopback where the relay looks by default.
    const published = run.flags['-p'];
    expect(published).toEqual(expect.arrayContaining(compose.ports.map((port) => port.split(/\s/)[0])));
    expect(published).toEqual(expect.arrayContaining([
      `${portOf(mediamtx.rtspAddress)}:${portOf(mediamtx.rtspAddress)}`,
      `${portOf(mediamtx.hlsAddress)}:${portOf(mediamtx.hlsAddress)}`,
      `${portOf(mediamtx.webrtcAddress)}:${portOf(mediamtx.webrtcAddress)}`,
      `${portOf(mediamtx.webrtcLocalUDPAddress)}:${portOf(mediamtx.webrtcLocalUDPAddress)}/udp`,
      `127.0.0.1:${portOf(mediamtx.apiAddress)}:${portOf(mediamtx.apiAddress)}`,
    ]));
    expect(new URL('http://127.0.0.1:9997').port).toBe(String(portOf(mediamtx.apiAddress))); // MEDIAMTX_API_URL's default

    // The repo's mediamtx.yml, where compose mounts it.
    const [mount] = run.flags['-v'];
    const [hostFile, target, mode] = mount.split(':');
    expect(realpathSync(hostFile)).toBe(realpathSync(join(ROOT, 'mediamtx.yml')));
    expect(`./mediamtx.yml:${target}:${mode}`).toBe(compose.volumes[0]);

    // What compose gives MediaMTX, pointed at the relay on the host (its default port), with the secret the relay generated.
    expect(Object.keys(run.env).sort()).toEqual(Object.keys(compose.environment).filter((key) => key !== 'MTX_WEBRTCADDITIONALHOSTS').sort());
    expect(run.env.RELAY_HOOK_SECRET).toBe(readFileSync(join(work, 'data', 'mediamtx-hook-secret'), 'utf8').trim());
    expect(run.env.RELAY_URL).toBe('http://host.docker.internal:3000');
    expect(run.flags['--add-host']).toEqual(['host.docker.internal:host-gateway']);
    // MediaMTX proves itself to the auth callback with the hook secret in the URL, as compose has it.
    expect(run.env.MTX_AUTHHTTPADDRESS).toBe(`${run.env.RELAY_URL}/api/mediamtx/auth?secret=${run.env.RELAY_HOOK_SECRET}`);
    expect(run.env.MTX_RTSPTRANSPORTS).toBe(compose.environment.MTX_RTSPTRANSPORTS);
  });

  it('3. logs in as admin and adds a credential and a camera, which MediaMTX gets', async () => {
    expectShown(blocks[3], await shell.run(blocks[3]));
    expect(await shell.value('TOKEN')).toMatch(/^ey/);
    const camera = await shell.value('CAMERA');
    expect(camera).toMatch(/^\d+$/);
    await eventually(() => fake.pathConfigNames(), (names) => names.includes('house/front'));
    expect(fake.pathConfig('house/front')).toMatchObject({ source: 'rtsp://viewer:camera-password@192.168.1.20:554/stream1', sourceOnDemand: true });
    // The next block shows `ok`, which the relay says once MediaMTX lists the path.
    await eventually(async () => (await fetch(`${url}/api/cameras/${camera}`, { headers: { authorization: `Bearer ${await shell.value('TOKEN')}` } })).json() as Promise<{ status: { sync: string } }>, (read) => read.status.sync === 'ok');
    expectShown(blocks[4], await shell.run(blocks[4]));
  });

  it('4. gives Home Assistant a user granted the camera and a stream token, whose RTSP URL MediaMTX lets in', async () => {
    const output = await shell.run(blocks[5]);
    expectShown(blocks[5], output);
    rtspUrl = output.trim().split('\n').at(-1)!;
    const { username, password, pathname, host } = new URL(rtspUrl);
    expect(host).toBe('localhost:8554');
    // MediaMTX, set up as in step 2, asks the relay about the reader and reports its hooks with the secret.
    const { env } = dockerRun(dockerArgs);
    const driver = new MediaMtxDriver({ relayUrl: url, hookSecret: env.RELAY_HOOK_SECRET, env: { MTX_RTSPTRANSPORTS: env.MTX_RTSPTRANSPORTS } });
    const outcome = await driver.authenticate({ action: 'read', path: pathname.slice(1), protocol: 'rtsp', credentials: { user: username, pass: password } });
    expect(outcome.result).toBe('allowed');
    const hook = await driver.ready('house/front');
    expect(hook.exitCode).toBe(0);
  });
});
