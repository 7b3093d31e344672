import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { LogStream } from './log-stream.js';
import { createLogger } from './logger.js';

describe('log level numbers', () => {
  it("writes pino's numbers to standard output and the NestMTX numbers to the live log", () => {
    const stdout = new PassThrough();
    const captured = new LogStream(100);
    const live: number[] = [];
    captured.attach((_rooms, entry) => live.push(entry.level));
    const logger = createLogger('trace', stdout, captured);
    logger.trace('t');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    const written = String(stdout.read())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(written.map(({ msg, level }) => `${msg}${level}`)).toEqual(['t10', 'd20', 'i30', 'w40', 'e50', 'f60']);
    expect(captured.recent(0, 10).map(({ msg, level }) => `${msg}${level}`)).toEqual(['t20', 'd30', 'i40', 'w50', 'e60', 'f70']);
    expect(live).toEqual([20, 30, 40, 50, 60, 70]);
  });
});
