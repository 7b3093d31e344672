import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logger.js';
import { Cell, CounterFamily, HistogramFamily, type Family, type HistogramCell } from './recorders.js';

export const METRIC_PREFIX = 'mtx_relay_';

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SOCKET_COUNTS = [0, 1, 5, 10, 50, 100, 500, 1000, 5000, 10000, 50000];
/**
 * How long a scrape waits for a value read from elsewhere (the path states' query). With the
 * database stalled or its pool exhausted, which is when the metrics matter, the query would hold
 * the scrape past Prometheus' timeout and leave a gap.
 */
export const SCRAPE_HOOK_BUDGET_MS = 1000;

/** Socket.IO's disconnect reasons; anything else is counted as `other`. */
const DISCONNECT_REASONS = new Set([
  'transport close',
  'transport error',
  'ping timeout',
  'parse error',
  'forced close',
  'forced server close',
  'server shutting down',
  'client namespace disconnect',
  'server namespace disconnect',
]);

export type Transport = 'rest' | 'socket';
export type RateBudget = 'connection' | 'user' | 'login';
export type PathSyncState = 'in_sync' | 'pending' | 'failed' | 'conflict';

/** The cells of one command on one transport: the latency histogram and a counter per outcome code. */
export interface RequestCells {
  labels: [Transport, string, string];
  duration: HistogramCell;
  ok: Cell;
  codes: Map<string, Cell>;
}

/**
 * Every metric the relay exposes at /metrics (all named `mtx_relay_…`), and the calls features
 * make to move them. Counting is an addition on a cell bound once; nothing here allocates per
 * request or per delivered event. Values read from elsewhere (pool, path states) are filled in by
 * the scrape hooks just before /metrics answers.
 */
@Injectable()
export class RelayMetrics implements OnApplicationShutdown {
  readonly registry = new Registry();
  private readonly scrapeHooks: Array<() => Promise<void> | void> = [];

  private readonly socketsConnected = this.counter('sockets_connected', 'Sockets connected to this instance, by role', ['role'], 'gauge');
  private readonly socketConnects = this.counter('socket_connects_total', 'Socket.IO handshakes, by outcome (ok or the error code)', ['outcome']);
  private readonly connectsOk = this.socketConnects.labels('ok');
  private readonly socketDisconnects = this.counter('socket_disconnects_total', 'Socket disconnects, by Socket.IO reason', ['reason']);
  readonly handshakeDuration = this.histogram('socket_handshake_duration_seconds', 'Time to authenticate and place a connecting socket', [], SECONDS).labels();

  private readonly requests = this.counter('requests_total', 'Requests answered, by transport, module, command and outcome code (ok or the error code)', ['transport', 'module', 'command', 'code']);
  private readonly requestDuration = this.histogram('request_duration_seconds', 'Time from a request reaching the dispatcher to its answer', ['transport', 'module', 'command'], SECONDS);
  private readonly requestCellsByCommand = new WeakMap<object, Record<Transport, RequestCells>>();
  private readonly unknownCommand = { rest: this.requestCells('rest', 'unknown', 'unknown'), socket: this.requestCells('socket', 'unknown', 'unknown') };

  readonly eventsWritten = this.counter('events_written_total', 'Topic events stored and numbered', []).labels();
  readonly eventsUnstored = this.counter('events_unstored_total', 'Topic events delivered without a seq because the database could not store them', []).labels();
  private readonly eventsDelivered = this.counter('events_delivered_total', 'Topic events delivered by this instance, by domain', ['domain']);
  readonly deliveriesPerEvent = this.histogram('event_deliveries', 'Sockets one topic event was written to', [], SOCKET_COUNTS).labels();
  readonly deliveryLag = this.histogram('event_delivery_lag_seconds', 'Time from an event being recorded to its delivery to the sockets', [], SECONDS).labels();
  readonly replays = this.counter('event_replays_total', 'Subscriptions with since that were replayed', []).labels();
  readonly replayedEvents = this.counter('event_replayed_events_total', 'Events sent by replays', []).labels();
  readonly replaysGone = this.counter('event_replays_gone_total', 'Subscriptions with since refused as gone (pruned or ahead of history)', []).labels();

  readonly poolConnections = this.counter('db_pool_connections', 'Database pool connections, by state', ['state'], 'gauge');
  readonly poolWaiting = this.counter('db_pool_waiting', 'Queries waiting for a free pool connection', [], 'gauge').labels();
  private readonly statementTimeouts = this.counter('db_statement_timeouts_total', 'Statements that timed out, by where they ran', ['where']);

  readonly mediamtxReachable = this.counter('mediamtx_reachable', '1 when the last look at the MediaMTX Control API got an answer', [], 'gauge').labels();
  readonly mediamtxPaths = this.counter('mediamtx_paths', 'Camera paths by sync state with MediaMTX', ['state'], 'gauge');
  private readonly hooks = this.counter('mediamtx_hooks_total', 'MediaMTX hook calls, by event and outcome (accepted, refused)', ['event', 'outcome']);
  private readonly authCallbacks = this.counter('mediamtx_auth_total', 'MediaMTX auth callbacks, by decision (allowed, unauthorized, forbidden)', ['decision']);
  private readonly authDuration = this.histogram('mediamtx_auth_duration_seconds', 'Time to decide a MediaMTX auth callback, by decision', ['decision'], SECONDS);
  private readonly kicks = this.counter('mediamtx_kicks_total', 'MediaMTX reader sessions the relay ended, by outcome (ended, not_found, failed)', ['outcome']);

  private readonly oauth2Refreshes = this.counter('oauth2_refreshes_total', 'OAuth2 token refreshes, by outcome (succeeded, failed, dropped)', ['outcome']);
  private readonly rateLimitRefusals = this.counter('rate_limit_refusals_total', 'Requests refused by a rate limit, by budget (connection, user, login)', ['budget']);
  readonly strikeDisconnects = this.counter('rate_limit_strike_disconnects_total', 'Sockets disconnected for exceeding their rate limit too many times in a row', []).labels();
  readonly backgroundWork = this.counter('background_work_running', '1 while this instance holds the background-work lock', [], 'gauge').labels();

  private readonly refusedBudget: Record<RateBudget, Cell> = {
    connection: this.rateLimitRefusals.labels('connection'),
    user: this.rateLimitRefusals.labels('user'),
    login: this.rateLimitRefusals.labels('login'),
  };

  constructor(@Inject(LOGGER) private readonly logger: Logger) {
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  onApplicationShutdown(): void {
    this.registry.clear();
  }

  /** Runs before each scrape, to read values kept elsewhere (the pool, the path states). */
  onScrape(hook: () => Promise<void> | void): void {
    this.scrapeHooks.push(hook);
  }

  /** The Prometheus text exposition; a scrape hook that fails or is late leaves its values as they were. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    await Promise.all(this.scrapeHooks.map((hook) => this.runScrapeHook(hook)));
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private async runScrapeHook(hook: () => Promise<void> | void): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), SCRAPE_HOOK_BUDGET_MS);
    });
    try {
      const ran = Promise.resolve()
        .then(hook)
        .then(() => 'done' as const);
      if ((await Promise.race([ran, late])) === 'late') {
        this.logger.debug('a metrics scrape hook did not finish in time; its values are the last ones read');
        ran.catch(() => undefined);
      }
    } catch (error) {
      this.logger.debug({ error: (error as Error).message }, 'a metrics scrape hook failed');
    } finally {
      clearTimeout(timer);
    }
  }

  socketConnected(): void {
    this.connectsOk.inc();
  }

  /** Sets the connected-sockets gauge from the sockets themselves, at scrape time (nothing to keep in step). */
  countSockets<S>(sockets: Iterable<S>, roleOf: (socket: S) => string | undefined): void {
    const byRole = new Map<string, number>([['admin', 0], ['user', 0]]);
    for (const socket of sockets) {
      const role = roleOf(socket);
      if (role !== undefined) byRole.set(role, (byRole.get(role) ?? 0) + 1);
    }
    for (const [role, count] of byRole) this.socketsConnected.labels(role).set(count);
  }

  socketRefused(code: string): void {
    this.socketConnects.labels(code).inc();
  }

  socketDisconnected(reason: string): void {
    this.socketDisconnects.labels(DISCONNECT_REASONS.has(reason) ? reason : 'other').inc();
  }

  /** The cells of a command, bound once per command object; `command` undefined for a request naming none. */
  cellsOf(command: object | undefined, module: string, name: string): Record<Transport, RequestCells> {
    if (command === undefined) return this.unknownCommand;
    let cells = this.requestCellsByCommand.get(command);
    if (!cells) {
      cells = { rest: this.requestCells('rest', module, name), socket: this.requestCells('socket', module, name) };
      this.requestCellsByCommand.set(command, cells);
    }
    return cells;
  }

  requestAnswered(cells: RequestCells, code: string | undefined, seconds: number): void {
    cells.duration.observe(seconds);
    if (code === undefined) return cells.ok.inc();
    let cell = cells.codes.get(code);
    if (!cell) {
      cell = this.requests.labels(...cells.labels, code);
      cells.codes.set(code, cell);
    }
    cell.inc();
  }

  eventDelivered(domain: string, sockets: number, lagSeconds: number): void {
    this.eventsDelivered.labels(domain).inc();
    this.deliveriesPerEvent.observe(sockets);
    this.deliveryLag.observe(lagSeconds);
  }

  statementTimedOut(where: 'request' | 'events'): void {
    this.statementTimeouts.labels(where).inc();
  }

  hook(event: string, outcome: 'accepted' | 'refused'): void {
    this.hooks.labels(event, outcome).inc();
  }

  authDecided(decision: 'allowed' | 'unauthorized' | 'forbidden', seconds: number): void {
    this.authCallbacks.labels(decision).inc();
    this.authDuration.labels(decision).observe(seconds);
  }

  kicked(outcome: 'ended' | 'not_found' | 'failed'): void {
    this.kicks.labels(outcome).inc();
  }

  oauth2Refreshed(outcome: 'succeeded' | 'failed' | 'dropped'): void {
    this.oauth2Refreshes.labels(outcome).inc();
  }

  rateLimited(budget: RateBudget): void {
    this.refusedBudget[budget].inc();
  }

  private requestCells(transport: Transport, module: string, command: string): RequestCells {
    return {
      labels: [transport, module, command],
      duration: this.requestDuration.labels(transport, module, command),
      ok: this.requests.labels(transport, module, command, 'ok'),
      codes: new Map(),
    };
  }

  private counter(name: string, help: string, labelNames: string[], type: 'counter' | 'gauge' = 'counter'): CounterFamily {
    return this.register(new CounterFamily(`${METRIC_PREFIX}${name}`, help, labelNames, type));
  }

  private histogram(name: string, help: string, labelNames: string[], bounds: number[]): HistogramFamily {
    return this.register(new HistogramFamily(`${METRIC_PREFIX}${name}`, help, labelNames, bounds));
  }

  private register<F extends Family<unknown>>(family: F): F {
    this.registry.registerMetric(family as unknown as Parameters<Registry['registerMetric']>[0]);
    return family;
  }
}
