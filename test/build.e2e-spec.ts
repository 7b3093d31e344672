import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The repo's `npm run build` (the step `npm start` runs first) in a copy of the project, so the repo's dist is left alone. */
function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mtx-relay-build-'));
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(ROOT, file), join(dir, file));
  for (const folder of ['src', 'web', 'scripts']) cpSync(join(ROOT, folder), join(dir, folder), { recursive: true });
  // The client package, without its build (node_modules/@mtx-relay/client links to the repo's).
  cpSync(join(ROOT, 'client'), join(dir, 'client'), { recursive: true, filter: (source) => !/[/\\](dist|node_modules)$|\.tsbuildinfo$/.test(source) });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

interface BuildRun {
  /** How many times dist/main.js was found missing while the build ran. */
  mainMissing: number;
}

function runBuild(dir: string): Promise<BuildRun> {
  const main = join(dir, 'dist', 'main.js');
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'build'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let mainMissing = 0;
    const hadMain = existsSync(main);
    const watch = setInterval(() => {
      if (hadMain && !existsSync(main)) mainMissing += 1;
    }, 2);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => {
      clearInterval(watch);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(watch);
      if (code === 0) resolve({ mainMissing });
      else reject(new Error(`npm run build exited with ${code}:\n${output}`));
    });
  });
}

/** Every file under dist with its modification time. */
function snapshot(dir: string): Map<string, number> {
  const dist = join(dir, 'dist');
  const files = new Map<string, number>();
  for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    files.set(relative(dist, file), statSync(file).mtimeMs);
  }
  return files;
}

/** Files of `before` that are gone or were written again in `after`. */
function rewritten(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...before].filter(([file, mtime]) => after.get(file) !== mtime).map(([file]) => file);
}

describe('npm run build (the first step of npm start)', () => {
  let dir: string;

  beforeAll(() => {
    dir = copyProject();
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves an unchanged tree as it is, and never removes dist/main.js while rebuilding a changed one', async () => {
    await runBuild(dir);
    expect(existsSync(join(dir, 'dist', 'main.js'))).toBe(true);
    const built = snapshot(dir);

    // Nothing changed: no output file is removed or written again.
    const again = await runBuild(dir);
    expect(again.mainMissing).toBe(0);
    expect(rewritten(built, snapshot(dir))).toEqual([]);

    // A changed source: its output is rewritten in place, every other file of the running build stays.
    appendFileSync(join(dir, 'src', 'main.ts'), '// rebuilt\n');
    const changed = await runBuild(dir);
    expect(changed.mainMissing).toBe(0);
    const rebuilt = snapshot(dir);
    expect([...built.keys()].filter((file) => !rebuilt.has(file))).toEqual([]);
    expect(rewritten(built, rebuilt)).toEqual(expect.arrayContaining(['main.js']));
    expect(readFileSync(join(dir, 'dist', 'main.js'), 'utf8')).toContain('// rebuilt');
  }, 240_000);
});
