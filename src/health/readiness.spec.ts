import { describe, expect, it } from '@jest/globals';
import type { Logger } from 'pino';
import { HealthChangeLog } from './readiness.js';

function recordingLogger(): { logger: Logger; lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  const logger = {
    warn: (_fields: unknown, message: string) => lines.push(['warn', message]),
    info: (message: string) => lines.push(['info', message]),
  } as unknown as Logger;
  return { logger, lines };
}

const mediamtxDown = { check: 'mediamtx' as const, message: 'MediaMTX is unreachable: fetch failed' };
const databaseDown = { check: 'database' as const, message: 'the database does not answer' };

describe('HealthChangeLog', () => {
  it('logs a change of readiness once, whatever the number of probes, and nothing for a first probe that is ready', () => {
    const { logger, lines } = recordingLogger();
    const log = new HealthChangeLog(logger);
    log.observe([]);
    log.observe([]);
    for (let probe = 0; probe < 5; probe += 1) log.observe([mediamtxDown]);
    // Another reason for the same failing check is not a change.
    log.observe([{ ...mediamtxDown, message: 'MediaMTX answered 500' }]);
    log.observe([databaseDown, mediamtxDown]);
    log.observe([databaseDown, mediamtxDown]);
    log.observe([]);
    log.observe([]);
    expect(lines).toEqual([
      ['warn', 'not ready: mediamtx: MediaMTX is unreachable: fetch failed'],
      ['warn', 'not ready: database: the database does not answer; mediamtx: MediaMTX is unreachable: fetch failed'],
      ['info', 'ready again'],
    ]);
  });
});
