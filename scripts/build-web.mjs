#!/usr/bin/env node
// Builds the web UI into dist/web for `npm run build` (so for every `npm start`), without
// spending Vite's time on an unchanged tree and without ever removing the files a running
// relay serves:
// - the inputs' hash is kept beside the build; the same hash means nothing to do;
// - each build goes to its own folder dist/web-<hash>, and dist/web is a link moved onto it
//   in one rename;
// - the previous build's assets are copied into the new one, since a page loaded before the
//   rebuild still asks for them; older builds are removed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const link = join(dist, 'web');
const INPUTS = ['web', 'client/src', 'package-lock.json', 'scripts/build-web.mjs', 'scripts/compress-web.mjs'];
const OWN_FILES = '.build-files';

function files(path) {
  if (!existsSync(path)) return [];
  if (!lstatSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

function inputsHash() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => files(join(root, input))).sort()) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

const hash = inputsHash();
const target = `web-${hash}`;
const current = existsSync(link) && lstatSync(link).isSymbolicLink() ? readlinkSync(link) : undefined;
if (current === target && existsSync(join(dist, target, 'index.html'))) process.exit(0);

const next = join(dist, target);
rmSync(next, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', join(root, 'web'), '--logLevel', 'warn', '--outDir', next, '--emptyOutDir'], { stdio: 'inherit', cwd: root });
execFileSync(process.execPath, [join(root, 'scripts/compress-web.mjs'), join(next, 'assets')], { stdio: 'inherit' });
const own = files(join(next, 'assets')).map((file) => relative(next, file));
writeFileSync(join(next, OWN_FILES), own.join('\n'));

if (current && existsSync(join(dist, current, OWN_FILES))) {
  for (const file of readFileSync(join(dist, current, OWN_FILES), 'utf8').split('\n').filter(Boolean)) {
    if (!existsSync(join(next, file)) && existsSync(join(dist, current, file))) cpSync(join(dist, current, file), join(next, file));
  }
}

// A real folder at dist/web comes from an older build: it goes, the link takes its place.
if (existsSync(link) && !lstatSync(link).isSymbolicLink()) rmSync(link, { recursive: true, force: true });
const staged = join(dist, `.web-link-${process.pid}`);
symlinkSync(target, staged);
renameSync(staged, link);
for (const entry of readdirSync(dist)) {
  if (entry.startsWith('web-') && entry !== target && entry !== current) rmSync(join(dist, entry), { recursive: true, force: true });
}
