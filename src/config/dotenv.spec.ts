import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ConfigError } from './config.js';
import { loadDotEnv } from './dotenv.js';

describe('loadDotEnv', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'mtx-relay-dotenv-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('adds the variables of .env that the environment does not set', () => {
    writeFileSync(join(directory, '.env'), '# a comment\nPORT=4000\nLOG_LEVEL="debug"\nHOST=10.0.0.1\nEMPTY=\n');
    const env: NodeJS.ProcessEnv = { PORT: '5000', EMPTY: '' };
    expect(loadDotEnv(directory, env)).toBe(join(directory, '.env'));
    expect(env).toEqual({ PORT: '5000', LOG_LEVEL: 'debug', HOST: '10.0.0.1', EMPTY: '' });
  });

  it('does nothing without a .env', () => {
    const env: NodeJS.ProcessEnv = { PORT: '5000' };
    expect(loadDotEnv(directory, env)).toBeUndefined();
    expect(env).toEqual({ PORT: '5000' });
  });

  it('stops with a ConfigError when .env cannot be read', () => {
    // A folder named .env cannot be read as a file, whoever runs the test (root reads past modes).
    mkdirSync(join(directory, '.env'));
    expect(() => loadDotEnv(directory, {})).toThrow(new ConfigError([`${join(directory, '.env')} cannot be read (EISDIR): fix its permissions or remove it`]));
  });
});
