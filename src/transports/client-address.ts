import type { IncomingHttpHeaders } from 'node:http';

/** What a transport knows of where a request came from. */
export interface RequestOrigin {
  /** The address of the TCP peer. */
  peer: string | undefined;
  /** The request's headers, where a proxy in front would say whom it forwards. */
  headers: IncomingHttpHeaders;
}

/**
 * The client address of a REST request or a socket handshake: the one answer that rate limits
 * and the audit log both use.
 */
export function clientAddress(origin: RequestOrigin): string {
  return origin.peer ?? 'unknown';
}
