import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENT = join(ROOT, 'client');
const work = mkdtempSync(join(tmpdir(), 'mtx-relay-client-pack-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the client package', () => {
  it('packs into a tarball that installs and imports from Node, with types and no Node-only or server imports', () => {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: CLIENT, encoding: 'utf8' })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed.files.map(({ path }) => path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/generated/index.d.ts']));
    expect(files.filter((path) => !/^(package\.json|README\.md|dist\/.*\.(js|d\.ts))$/.test(path))).toEqual([]);

    // Installed as npm would: the tarball unpacked under node_modules, beside its one dependency.
    const app = join(work, 'app');
    const installed = join(app, 'node_modules', '@mtx-relay', 'client');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', installed, '--strip-components=1']);
    for (const dependency of ['socket.io-client', 'engine.io-client', 'engine.io-parser', 'socket.io-parser', '@socket.io', 'debug', 'ms', 'ws', 'xmlhttprequest-ssl']) {
      symlinkSync(join(ROOT, 'node_modules', dependency), join(app, 'node_modules', dependency));
    }
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies)).toEqual(['socket.io-client']);
    const exported = execFileSync(process.execPath, ['--input-type=module', '-e', "const client = await import('@mtx-relay/client'); console.log(Object.keys(client).sort().join(','))"], {
      cwd: app,
      encoding: 'utf8',
    });
    expect(exported.trim().split(',')).toEqual(expect.arrayContaining(['createClient', 'RelayError', 'RelayClient', 'COMMANDS', 'TOPIC_EVENTS']));

    const dist = join(installed, 'dist');
    for (const file of readdirSync(dist, { recursive: true }) as string[]) {
      if (!file.endsWith('.js') && !file.endsWith('.d.ts')) continue;
      const text = readFileSync(join(dist, file), 'utf8');
      const imports = [...text.matchAll(/from '([^']+)'/g)].map((match) => match[1]).filter((target) => !target.startsWith('.'));
      expect({ file, imports: imports.filter((target) => target !== 'socket.io-client') }).toEqual({ file, imports: [] });
    }
  });
});
