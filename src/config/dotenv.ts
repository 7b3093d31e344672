import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from './config.js';

/**
 * Reads `.env` from `directory` into `env` when the file exists; a variable already set in
 * `env` wins over the file, as with docker compose. Answers the file read, or undefined.
 */
export function loadDotEnv(directory: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = join(directory, '.env');
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError([`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): fix its permissions or remove it`]);
  }
  for (const [name, value] of Object.entries(parseEnv(content))) {
    if (env[name] === undefined && value !== undefined) env[name] = value;
  }
  return file;
}
