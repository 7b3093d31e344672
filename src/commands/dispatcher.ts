import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AuthContext } from '../common/auth-context.js';
import { DomainError, errorBody, forbidden, ReportedStateError, toDomainError, validationFailed, zodDetails, type ErrorBody } from '../common/errors.js';
import { runInScope, type Transport } from '../common/request-scope.js';
import { LOGGER } from '../logging/logger.js';
import { RelayMetrics } from '../metrics/relay-metrics.js';
import { isStatementTimeout } from '../common/database-errors.js';
import { RateLimiter } from './rate-limiter.js';
import { CommandRegistry, type CommandDefinition, type LiveChannel } from './command-registry.js';

export interface CommandRequest {
  module: string;
  command: string;
  entity?: unknown;
  payload?: unknown;
  requestId?: string;
}

/** Establishes who the caller is; each transport brings its own (bearer header, live socket). */
export type Authenticate = () => Promise<AuthContext>;

/** Where a request comes from, for rate limits and the audit log: the connection (socket id or REST client address), the address and the transport. */
export interface Caller {
  connection: string;
  /** From `common/client-address.ts`. */
  address: string;
  transport: Exclude<Transport, 'console'>;
  authenticate: Authenticate;
  /** The live socket, or null on REST. */
  channel: LiveChannel | null;
}

export type CommandOutcome = { ok: true; status: number; body: unknown } | { ok: false; status: number; body: ErrorBody };


/**
 * The one path every request takes, whatever its transport: find the command, authenticate,
 * authorise, validate, run, and turn any failure into the one error shape.
 */
@Injectable()
export class Dispatcher {
  constructor(
    private readonly registry: CommandRegistry,
    private readonly limits: RateLimiter,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: RelayMetrics,
  ) {}

  async dispatch(request: CommandRequest, caller: Caller): Promise<CommandOutcome> {
    const started = performance.now();
    const outcome = await this.run(request, caller);
    const cells = this.metrics.cellsOf(this.registry.find(request.module, request.command), request.module, request.command);
    this.metrics.requestAnswered(caller.channel ? cells.socket : cells.rest, outcome.ok ? undefined : outcome.body.error.code, (performance.now() - started) / 1000);
    return outcome;
  }

  private async run(request: CommandRequest, { connection, address, transport, authenticate, channel }: Caller): Promise<CommandOutcome> {
    try {
      this.limits.chargeConnection(connection);
      const definition = this.resolve(request);
      if (definition.loginLimited) await this.limits.chargeLogin(address);
      const auth = definition.access === 'public' ? null : await authenticate();
      if (auth) this.limits.chargeUser(auth.userId);
      if (definition.access === 'admin' && auth?.role !== 'admin') throw forbidden('this needs an admin');
      const entity = this.parseEntity(definition, request.entity);
      const payload = this.parsePayload(definition, request.payload);
      if (definition.socketOnly && !channel) {
        throw validationFailed([{ path: 'command', message: 'is only available over a Socket.IO connection' }], 'this command needs a socket');
      }
      const scope = { module: request.module, command: request.command, transport, address, actor: auth && { id: auth.userId, name: auth.username } };
      const body = await runInScope(scope, () => definition.handle({ auth, entity, payload, channel }));
      const status = definition.successStatus ?? 200;
      if (this.logger.isLevelEnabled('trace')) this.logger.trace({ status, userId: auth?.userId }, `${this.name(request)} answered ${status}`);
      return { ok: true, status, body };
    } catch (thrown) {
      const error = toDomainError(thrown);
      if (isStatementTimeout(thrown)) this.metrics.statementTimedOut('request');
      if (error.code === 'internal') {
        this.logger.error({ err: thrown, module: request.module, command: request.command }, 'request failed');
      } else if (error.code === 'unavailable' && !(error instanceof ReportedStateError)) {
        // Not a fault of the server: it recovers by itself, and an outage must not flood the error level.
        this.logger.warn({ error: thrown instanceof Error ? thrown.message : String(thrown), module: request.module, command: request.command }, `request failed: ${error.message}`);
      } else if (this.logger.isLevelEnabled('debug')) {
        this.logger.debug({ status: error.status, code: error.code, address }, `${this.name(request)} refused: ${error.status} ${error.code}`);
      }
      return { ok: false, status: error.status, body: errorBody(error, this.context(request)) };
    }
  }

  private context(request: Partial<CommandRequest>): { module?: string; command?: string; requestId?: string } {
    return { module: request.module, command: request.command, requestId: request.requestId };
  }

  /** `module.command` for the log, when it names a registered command (anything else is the client's free text). */
  private name(request: CommandRequest): string {
    return this.registry.find(request.module, request.command) ? `${request.module}.${request.command}` : 'an unknown command';
  }

  private resolve(request: CommandRequest): CommandDefinition {
    if (!this.registry.hasModule(request.module)) throw new DomainError('not_found', `module ${request.module} not found`);
    const definition = this.registry.find(request.module, request.command);
    if (!definition) throw new DomainError('not_found', `command ${request.command} not found in module ${request.module}`);
    return definition;
  }

  private parseEntity(definition: CommandDefinition, entity: unknown): unknown {
    if (!definition.entity) return undefined;
    if (entity === undefined || entity === null || entity === '') {
      throw validationFailed([{ path: 'entity', message: 'is required' }], 'entity is required for this command');
    }
    if (typeof entity !== 'string' && typeof entity !== 'number') {
      throw validationFailed([{ path: 'entity', message: 'must be a string or a number' }]);
    }
    const parsed = definition.entity.safeParse(entity);
    if (!parsed.success) throw validationFailed(zodDetails(parsed.error, 'entity'));
    return parsed.data;
  }

  private parsePayload(definition: CommandDefinition, payload: unknown): unknown {
    if (!definition.payload) return undefined;
    const parsed = definition.payload.safeParse(payload);
    if (parsed.success) return parsed.data;
    if (payload === undefined || payload === null) {
      throw validationFailed([{ path: 'payload', message: 'is required' }], 'payload is required for this command');
    }
    throw validationFailed(zodDetails(parsed.error, 'payload'));
  }
}
