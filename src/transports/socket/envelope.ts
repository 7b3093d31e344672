import type { CommandRequest } from '../../commands/dispatcher.js';
import { validationFailed, type DomainError, type ErrorContext, type ErrorDetail } from '../../common/errors.js';

// Socket.IO throws when the server emits one of these, so they cannot name an answer.
const RESERVED_EVENTS = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener', 'error', 'failure']);
const MAX_REQUEST_ID_LENGTH = 200;

export type Envelope =
  | { ok: true; request: CommandRequest & { requestId: string } }
  | { ok: false; requestId: string | undefined; error: DomainError; context: ErrorContext };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function usableRequestId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_REQUEST_ID_LENGTH && !RESERVED_EVENTS.has(value);
}

/**
 * Reads `{command, module, requestId, entity?, payload?}` from what a client emitted on
 * `request` (an object, or a JSON string of one). Whatever is wrong with it, the result says
 * so, and names the requestId to answer on whenever one can be read.
 */
export function readEnvelope(raw: unknown): Envelope {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return failed(undefined, [{ path: '', message: 'is a string that is not JSON' }], 'the request is not JSON');
    }
  }
  if (!isRecord(value)) {
    return failed(undefined, [{ path: '', message: 'must be an object {command, module, requestId, entity?, payload?}' }]);
  }
  const requestId = usableRequestId(value.requestId) ? value.requestId : undefined;
  const context: ErrorContext = {
    module: typeof value.module === 'string' ? value.module : undefined,
    command: typeof value.command === 'string' ? value.command : undefined,
    requestId,
  };
  const problems: ErrorDetail[] = [];
  if (!requestId) {
    problems.push({
      path: 'requestId',
      message: `must be a non-empty string of at most ${MAX_REQUEST_ID_LENGTH} characters that is not a reserved event name`,
    });
  }
  if (typeof value.module !== 'string' || value.module === '') problems.push({ path: 'module', message: 'must be a non-empty string' });
  if (typeof value.command !== 'string' || value.command === '') problems.push({ path: 'command', message: 'must be a non-empty string' });
  if (problems.length > 0) return failed(requestId, problems, 'the request envelope is not valid', context);
  return {
    ok: true,
    request: {
      module: value.module as string,
      command: value.command as string,
      requestId: requestId as string,
      entity: value.entity,
      payload: value.payload,
    },
  };
}

function failed(requestId: string | undefined, details: ErrorDetail[], message?: string, context: ErrorContext = {}): Envelope {
  return { ok: false, requestId, error: validationFailed(details, message), context };
}
