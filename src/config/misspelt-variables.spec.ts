import { describe, expect, it } from '@jest/globals';
import { KNOWN_VARIABLES } from './config.js';
import { misspeltVariableWarnings } from './misspelt-variables.js';

const warningsFor = (...names: string[]) => misspeltVariableWarnings(Object.fromEntries(names.map((name) => [name, 'x'])), KNOWN_VARIABLES);

describe('misspeltVariableWarnings', () => {
  it.each([
    ['MEDIAMTX_RSTP_URL', 'MEDIAMTX_RTSP_URL'],
    ['MEDIAMTX_HSL_URL', 'MEDIAMTX_HLS_URL'],
    ['RATE_LIMIT_RPM', 'RATE_LIMIT_RPS'],
    ['EVENT_RETENTION', 'EVENTS_RETENTION'],
    ['JWT_SECRETS', 'JWT_SECRET'],
    ['LOGLEVEL', 'LOG_LEVEL'],
    ['ADMIN_PASWORD', 'ADMIN_PASSWORD'],
    ['port', 'PORT'],
  ])('suggests the setting %s was meant to be', (name, meant) => {
    expect(warningsFor(name)).toEqual([`${name} is not a setting of mtx-relay and is ignored: did you mean ${meant}?`]);
  });

  it('leaves the settings themselves and the rest of a usual environment alone', () => {
    const usual = ['PATH', 'HOME', 'HOSTNAME', 'USER', 'SHELL', 'PWD', 'LANG', 'TERM', 'SESSION_MANAGER', 'NODE_ENV', 'INIT_CWD', 'npm_config_cache', 'npm_lifecycle_event', 'XDG_RUNTIME_DIR', 'SSH_AUTH_SOCK', 'DATABASE_PASSWORD'];
    expect(warningsFor(...usual, ...KNOWN_VARIABLES)).toEqual([]);
  });
});
