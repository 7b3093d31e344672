import { describe, expect, it } from '@jest/globals';
import { QueryFailedError } from 'typeorm';
import { DATABASE_RETRY_AFTER_MS, toDomainError } from './errors.js';

/** A failed query as TypeORM throws it, around what pg reported. */
const failedQuery = (driverError: Error): QueryFailedError => new QueryFailedError('SELECT 1', [], driverError);
const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('toDomainError', () => {
  it.each([
    ['pg-pool finding no free connection in time', new Error('timeout exceeded when trying to connect')],
    ['pg-pool opening a connection that gets no answer', new Error('Connection terminated due to connection timeout', { cause: new Error('Connection terminated unexpectedly') })],
    ['a query that gets no answer (query_timeout)', failedQuery(new Error('Query read timeout'))],
    ['a connection closed under a query', failedQuery(new Error('Connection terminated unexpectedly'))],
    ['a statement cancelled by statement_timeout (57014)', failedQuery(withCode('canceling statement due to statement timeout', '57014'))],
    ['too many connections (53300)', withCode('sorry, too many clients already', '53300')],
    ['a server shutting down (57P01)', failedQuery(withCode('terminating connection due to administrator command', '57P01'))],
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a pool already ended', new Error('Cannot use a pool after calling end on the pool')],
  ])('%s is 503 unavailable with retryAfterMs', (_name, error) => {
    const domain = toDomainError(error);
    expect({ code: domain.code, status: domain.status, details: domain.details }).toEqual({
      code: 'unavailable',
      status: 503,
      details: [{ retryAfterMs: DATABASE_RETRY_AFTER_MS }],
    });
  });

  it.each([
    ['a syntax error', failedQuery(withCode('syntax error at or near "SELEC"', '42601'))],
    ['a programming error', new TypeError('cannot read properties of undefined')],
    ['a thrown string', 'timeout exceeded when trying to connect'],
  ])('%s stays 500 internal', (_name, error) => {
    expect(toDomainError(error).code).toBe('internal');
  });
});
