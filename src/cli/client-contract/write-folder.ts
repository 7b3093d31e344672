import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Makes `dir` hold exactly `files` (name → content): writes only the files whose content
 * differs, so an incremental build of the client has nothing to do otherwise, and removes the
 * `.ts` files no longer generated. Answers what it wrote and removed.
 */
export function writeChangedFiles(dir: string, files: Record<string, string>): { written: string[]; removed: string[] } {
  mkdirSync(dir, { recursive: true });
  const written = Object.entries(files)
    .filter(([name, content]) => !existsSync(join(dir, name)) || readFileSync(join(dir, name), 'utf8') !== content)
    .map(([name, content]) => (writeFileSync(join(dir, name), content), name));
  const removed = readdirSync(dir).filter((name) => name.endsWith('.ts') && !(name in files));
  for (const name of removed) rmSync(join(dir, name));
  return { written, removed };
}

/** What a folder holds, name → content, for comparing it with what would be written. */
export function readFolder(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}
