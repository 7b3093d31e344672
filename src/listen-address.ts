import { createServer, type AddressInfo } from 'node:net';
import { StartupError } from './common/startup-error.js';

const unresolved = (host: string) => `HOST ${host} cannot be resolved: set HOST to an address of this machine, or 0.0.0.0 for all of them`;

/** The listen failures the operator can fix, by error code, as one line with the fix. */
const EXPLANATIONS: Record<string, (host: string, port: number) => string> = {
  EADDRINUSE: (host, port) => `port ${port} is in use on ${host}: set PORT to a free port, or stop what is using it`,
  EACCES: (host, port) => `port ${port} on ${host} needs privileges this process does not have: set PORT to 1024 or above`,
  EADDRNOTAVAIL: (host) => `HOST ${host} is not an address of this machine: set HOST to one of its addresses, or 0.0.0.0 for all of them`,
  ENOTFOUND: unresolved,
  EAI_AGAIN: unresolved,
  EAI_NONAME: unresolved,
  EAI_FAIL: unresolved,
};

/** A StartupError for a listen failure the operator can fix; any other error as it is. */
export function explainListenError<E>(error: E, host: string, port: number): E | StartupError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const explain = code !== undefined && Object.hasOwn(EXPLANATIONS, code) ? EXPLANATIONS[code] : undefined;
  return explain ? new StartupError(explain(host, port)) : error;
}

/**
 * Listens on host:port and lets go at once, so that a start which could not listen stops
 * before it touches the database. Another process may still take the port in the moment
 * between this and the real listen; that listen then fails with the same message.
 */
export function checkCanListen(host: string, port: number): Promise<void> {
  return new Promise((resolveCheck, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(explainListenError(error, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolveCheck()));
  });
}

/** Where a server bound to `address` is: `0.0.0.0:3000`, and a URL this machine can open it at. */
export function describeBoundAddress(address: AddressInfo): { address: string; url: string } {
  const bracketed = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const local = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '[::1]' : bracketed;
  return { address: `${bracketed}:${address.port}`, url: `http://${local}:${address.port}` };
}
