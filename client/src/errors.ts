import type { ErrorCode } from './types.js';

/** A refusal from the server (its error body), or one of the client's own: `timeout`, `closed`, `network`. */
export class RelayError extends Error {
  override readonly name = 'RelayError';

  constructor(
    readonly code: ErrorCode | 'timeout' | 'closed' | 'network',
    message: string,
    /** The HTTP status the server gave (0 for the client's own errors). */
    readonly status: number,
    readonly details: unknown[] = [],
    readonly context: { module?: string; command?: string; requestId?: string } = {},
  ) {
    super(message);
  }
}

interface ErrorBody {
  error: { status: number; code: ErrorCode; message: string; details?: unknown[]; context?: RelayError['context'] };
}

/** Whether an answer is the server's error body rather than a result. */
export function isErrorBody(answer: unknown): answer is ErrorBody {
  if (typeof answer !== 'object' || answer === null || !('error' in answer)) return false;
  const error = (answer).error;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

export const errorFromBody = ({ error }: ErrorBody): RelayError =>
  new RelayError(error.code, error.message, error.status, error.details ?? [], error.context ?? {});
