import type { z } from 'zod';

/** Stable error codes of the wire contract, with the HTTP status each maps to. */
export const ERROR_STATUS = {
  validation_failed: 400,
  unauthorized: 401,
  token_expired: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorContext {
  module?: string;
  command?: string;
  requestId?: string;
}

export interface ErrorBody {
  error: {
    status: number;
    code: ErrorCode;
    message: string;
    details: unknown[];
    context: ErrorContext;
  };
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/**
 * A refusal that reports a state its source logs itself, once when it changes (a readiness probe
 * that fails on every call while MediaMTX is down): the dispatcher does not log it per request.
 */
export class ReportedStateError extends DomainError {}

export const notFound = (what: string, id: unknown): DomainError => new DomainError('not_found', `${what} ${String(id)} not found`);
export const forbidden = (message = 'you may not do this'): DomainError => new DomainError('forbidden', message);
export const unauthorized = (message = 'authentication required'): DomainError => new DomainError('unauthorized', message);
export const conflict = (message: string, details: unknown[] = []): DomainError => new DomainError('conflict', message, details);
export const validationFailed = (details: ErrorDetail[], message = 'the request is not valid'): DomainError =>
  new DomainError('validation_failed', message, details);

const UNAVAILABLE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
// SQLSTATE classes 08 (connection exception), 53 (insufficient resources: too many connections,
// out of memory or disk), 57P (operator intervention: shutdown, crash) and 57014 (a statement
// cancelled, as statement_timeout does).
const UNAVAILABLE_SQLSTATE = /^(08|53|57P|57014$)/;
// What pg and pg-pool say, without a code, when the server does not answer in time or is gone.
const UNAVAILABLE_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|the database system is (starting up|shutting down)|Driver not Connected|Cannot use a pool after calling end/i;

/** How long a client is told to wait before trying again while the database is unavailable. */
export const DATABASE_RETRY_AFTER_MS = 5000;

/**
 * True when the error says the database cannot be reached or does not answer in time right now,
 * as opposed to a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const candidates: unknown[] = [error, (error as { driverError?: unknown }).driverError, (error as { cause?: unknown }).cause];
  for (const candidate of candidates) {
    if (!(candidate instanceof Error)) continue;
    const code = (candidate as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
    if (UNAVAILABLE_MESSAGE.test(candidate.message)) return true;
  }
  return false;
}

export const databaseUnavailable = (): DomainError =>
  new DomainError('unavailable', 'the database is unavailable, try again shortly', [{ retryAfterMs: DATABASE_RETRY_AFTER_MS }]);

// SQLSTATE 22021 (character_not_in_repertoire) and 22P05 (untranslatable_character): text that
// PostgreSQL cannot hold, such as a NUL character, whatever string field of a request it came in.
const UNSTORABLE_TEXT_SQLSTATE = new Set(['22021', '22P05']);

const isUnstorableText = (error: unknown): boolean =>
  UNSTORABLE_TEXT_SQLSTATE.has(String((error as { driverError?: { code?: unknown } } | null)?.driverError?.code));

/** Turns anything thrown into a domain error; unknown failures become `internal` without leaking their text. */
export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  if (isUnstorableText(error)) return validationFailed([], 'the request contains text that cannot be stored, such as a NUL character');
  return new DomainError('internal', 'internal server error');
}

export function errorBody(error: DomainError, context: ErrorContext = {}): ErrorBody {
  return {
    error: { status: error.status, code: error.code, message: error.message, details: error.details, context },
  };
}

/** A schema's complaints as `details` entries, paths prefixed (e.g. `payload.camera_ids.0`). */
export function zodDetails(error: z.ZodError, prefix = ''): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.'),
    message: issue.message,
  }));
}
