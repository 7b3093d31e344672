import { AsyncLocalStorage } from 'node:async_hooks';

/** How a change reached the relay: one of the two transports, or the operator's console. */
export type Transport = 'rest' | 'socket' | 'console';

/**
 * Who runs the command at hand and from where, set by the dispatcher around a command's handler
 * so that the audit log can say it without every service passing it along.
 */
export interface RequestScope {
  module: string;
  command: string;
  transport: Transport;
  address: string | null;
  /** Null for a public command (a login says who it was itself). */
  actor: { id: number; name: string } | null;
}

const scopes = new AsyncLocalStorage<RequestScope>();

export const runInScope = <T>(scope: RequestScope, work: () => T): T => scopes.run(scope, work);

export const currentScope = (): RequestScope | undefined => scopes.getStore();
