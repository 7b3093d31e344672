import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { lookup } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHECK = join(ROOT, 'scripts', 'check-install-scripts.mjs');
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function runCheck(dir: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [CHECK, dir], { encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

describe('npm ci', () => {
  it('installs no dependency that compiles or runs unreviewed code at install', () => {
    const run = runCheck(ROOT);
    expect(run.output).toContain('no dependency compiles');
    expect(run.status).toBe(0);
  });

  it('(the check) refuses a native build, known from the lockfile alone or from the installed package', () => {
    const dir = tempDir('mtx-relay-install-');
    const gyp = join(dir, 'node_modules', 'native-thing');
    mkdirSync(gyp, { recursive: true });
    writeFileSync(join(gyp, 'package.json'), JSON.stringify({ name: 'native-thing', version: '1.0.0' }));
    writeFileSync(join(gyp, 'binding.gyp'), '{}');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0' }));
    const packages = { '': {}, 'node_modules/argon2': { version: '0.45.1', hasInstallScript: true }, 'node_modules/native-thing': { version: '1.0.0' } };
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages }));
    const run = runCheck(dir);
    expect(run.status).toBe(1);
    expect(run.output).toContain('argon2: runs an install script');
    expect(run.output).toContain('native-thing: runs install: node-gyp rebuild');
  });
});

describe('the supported Node.js', () => {
  const engines: string = rootPackage.engines.node;
  /** The oldest release of each line package.json accepts (for "^22.13.0 || >=24.11.0": 22.13.0 and 24.11.0). */
  const oldest = new semver.Range(engines).set.map((comparators) => semver.minVersion(new semver.Range(comparators.map(String).join(' ')))!.version);

  it('is Node 24 (the current LTS) in the Docker image, within package.json engines', () => {
    const images = [...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM node:([^\s]+)/gm)].map((match) => match[1]);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/^24-/);
    expect(semver.satisfies('24.11.0', engines)).toBe(true);
  });

  it('is accepted by every dependency, so npm ci prints no unsupported-engine warning on it', () => {
    expect(oldest.length).toBeGreaterThan(0);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries<any>(lock.packages)) {
      const wanted: string | undefined = entry.engines?.node;
      if (!path || !wanted) continue;
      for (const version of oldest) if (!semver.satisfies(version, wanted)) refusing.push(`${path}@${entry.version} wants ${wanted}, not ${version}`);
    }
    expect(refusing).toEqual([]);
  });
});

describe('install telemetry', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
  });

  it('is switched off for the whole tree in package.json, and npm is told not to run it', () => {
    expect(rootPackage.scarfSettings).toMatchObject({ enabled: false });
    expect(rootPackage.allowScripts['@scarf/scarf']).toBe(false);
  });

  /**
   * A stand-in for the `npm ls @scarf/scarf --json --long` scarf runs in the project: the project's
   * package.json with the chain that pulls scarf in (a real `npm ls` can outlast scarf's 3 s limit).
   */
  function fakeNpm(dir: string, scarf: string): string {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const chain = { '@nestjs/swagger': { version: '12', dependencies: { 'swagger-ui-dist': { version: '5', dependencies: { '@scarf/scarf': { version: '1.4.0', path: scarf } } } } } };
    const script = [
      `#!${process.execPath}`,
      "const root = JSON.parse(require('node:fs').readFileSync('package.json', 'utf8'));",
      `process.stdout.write(JSON.stringify({ ...root, path: process.cwd(), dependencies: ${JSON.stringify(chain)} }));`,
    ];
    writeFileSync(join(bin, 'npm'), `${script.join('\n')}\n`, { mode: 0o755 });
    return bin;
  }

  it("scarf's postinstall, run as npm runs it, sends nothing and leaves no history file", async () => {
    const scarf = join(ROOT, 'node_modules', '@scarf', 'scarf');
    if (!existsSync(scarf)) {
      // Nothing pulls it in any more.
      expect(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')).not.toContain('"node_modules/@scarf/scarf"');
      return;
    }
    // SCARF_LOCAL_PORT sends the report (over plain HTTP) to this listener instead of scarf.sh.
    const { address } = await lookup('localhost');
    const reports: string[] = [];
    const server = createServer((request, response) => {
      reports.push(`${request.method} ${request.url}`);
      response.end();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, address, resolve));
    const port = (server.address() as { port: number }).port;
    const tmp = tempDir('mtx-relay-scarf-');
    const env: NodeJS.ProcessEnv = {
      PATH: `${fakeNpm(tmp, scarf)}:${process.env.PATH}`,
      HOME: process.env.HOME,
      INIT_CWD: ROOT,
      TMPDIR: tmp,
      SCARF_LOCAL_PORT: String(port),
    };
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['./report.js'], { cwd: scarf, env, stdio: 'ignore' });
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(code).toBe(0);
    expect(reports).toEqual([]);
    expect(readdirSync(tmp).filter((file) => file.startsWith('scarf-js-history-'))).toEqual([]);
  }, 30_000);
});
