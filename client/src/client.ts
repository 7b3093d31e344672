import { io, type Socket } from 'socket.io-client';
import type { ClientOptions } from './options.js';
import { RelayError } from './errors.js';
import { EventStream } from './event-stream.js';
import { COMMANDS } from './generated/index.js';
import { CameraStates } from './camera-states.js';
import { LiveCollection, type CollectionName } from './collections.js';
import { Listeners } from './listeners.js';
import { Presence } from './presence.js';
import { requestOverRest, type RestTransport } from './rest.js';
import { SocketRequests } from './requests.js';
import { isRevocation, TokenKeeper } from './tokens.js';
import type {
  CommandName, ConnectionState, EventName, EventPayload, InitPayload, ModuleName, RequestRest, ResultOf, TopicPayload, Tokens, UserView,
} from './types.js';

/** A connection to one relay: typed requests, topic events each once and in order, live collections. */
export class RelayClient {
  private socket: Socket | null = null;
  private readonly requests = new SocketRequests();
  private readonly listeners = new Listeners();
  private readonly cameraStates = new CameraStates();
  /** Who is online (admins): from each connection's `init`, then `users:online` and `users:offline`. */
  readonly online = new Presence();
  private readonly stream = new EventStream((event) => {
    this.cameraStates.apply(event);
    this.online.apply(event);
    this.listeners.emitTopic(event);
  });
  private readonly collections = new Set<LiveCollection<CollectionName>>();
  private connectionState: ConnectionState = 'connecting';
  private closed = false;
  private lastInit: InitPayload | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectAttempts = 0;
  /** Set by `session:revoked`: the next disconnect is the end. */
  private revokedFor: string | null = null;
  private revokeTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectNotBefore = 0;
  private firstInit: { resolve(): void; reject(error: Error): void } | null = null;
  private readonly requestTimeoutMs: number;

  /** @internal Use `createClient`. */
  constructor(
    private readonly options: ClientOptions,
    private readonly rest: RestTransport,
    private readonly tokens: TokenKeeper,
    private currentUser: UserView | undefined,
  ) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** The signed-in user, as `users read` shows it (updated on every connection). */
  get user(): UserView | undefined {
    return this.currentUser;
  }

  /** The current connection's `init`: server version, time and instance, and (admins) who was online then. */
  get init(): InitPayload | undefined {
    return this.lastInit;
  }

  get state(): ConnectionState {
    return this.connectionState;
  }

  /** The last event seq handed to handlers: where the next resume starts. */
  get lastSeq(): number | null {
    return this.stream.lastSeq;
  }

  /** The current access token (it changes on refresh). */
  get token(): string {
    return this.tokens.bearer;
  }

  /** Runs a command; rejects with a `RelayError` carrying the server's `code`, `status` and `details`. */
  async request<M extends ModuleName, C extends CommandName<M>>(module: M, command: C, ...[args, options]: RequestRest<M, C>): Promise<ResultOf<M, C>> {
    const { entity, payload } = (args ?? {}) as { entity?: unknown; payload?: unknown };
    const facts = (COMMANDS as Record<string, Record<string, { payloadOptional: boolean } | undefined>>)[module]?.[command];
    const body = payload === undefined && facts?.payloadOptional ? {} : payload;
    const timeoutMs = options?.timeoutMs ?? this.requestTimeoutMs;
    if (this.closed) throw new RelayError('closed', 'the client is closed', 0, [], { module, command });
    if (this.socket) return (await this.send(module, command, entity, body, timeoutMs)) as ResultOf<M, C>;
    return (await requestOverRest(this.rest, this.tokens, (tokens) => this.listeners.emit('tokens', tokens), { module, command, entity, payload: body, timeoutMs })) as ResultOf<M, C>;
  }

  /** Listens to a topic (`camera:ready`, `camera:*`, `nestmtx:*`) or a client event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void {
    return this.listeners.add(event, handler);
  }

  /** A list kept current from one `list` plus topic events: `cameras`, `tokens` (stream tokens), or `users` and `credentials` for admins. */
  watch<N extends CollectionName>(name: N): LiveCollection<N> {
    if (!this.socket) throw new RelayError('validation_failed', 'watch needs a socket (not REST-only mode)', 0);
    const collection = new LiveCollection(name, {
      request: (command, args) => this.request(name, command as never, args as never),
      on: (event, handler) => this.on(event, handler),
      userId: () => this.currentUser?.id,
      cameraState: (cameraId) => this.cameraStates.get(cameraId),
      forget: () => this.collections.delete(collection),
    });
    this.collections.add(collection);
    return collection;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of [this.refreshTimer, this.reconnectTimer, this.revokeTimer]) clearTimeout(timer);
    for (const collection of [...this.collections]) collection.close();
    this.socket?.disconnect();
    this.requests.rejectAll(new RelayError('closed', 'the client was closed', 0));
    this.setState('closed');
  }

  /** @internal Opens the socket and resolves once the first `init` arrived and the subscription is in place. */
  connect(): Promise<void> {
    const { reconnectDelayMs = 500, reconnectDelayMaxMs = 10_000 } = this.options;
    const socket = io(this.options.url, {
      reconnectionDelay: reconnectDelayMs,
      reconnectionDelayMax: reconnectDelayMaxMs,
      ...this.options.socketOptions,
      // A function, so that every reconnect uses the token of the moment.
      auth: (give) => give({ token: this.tokens.bearer }),
      autoConnect: false,
    });
    socket.onAny((event: string, payload: unknown) => this.onServerEvent(event, payload));
    socket.on('connect', () => this.requests.connected());
    socket.on('connect_error', (error: Error & { data?: { code?: string } }) => void this.onConnectError(socket, error));
    socket.on('disconnect', (reason) => this.onDisconnect(reason));
    this.socket = socket;
    this.scheduleRefresh();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new RelayError('timeout', 'no connection to the relay in time', 0)), this.options.connectTimeoutMs ?? 20_000);
      this.firstInit = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (error) => (clearTimeout(timer), reject(error)),
      };
      socket.connect();
    });
  }

  private onServerEvent(event: string, payload: unknown): void {
    if (this.requests.answer(event, payload)) return;
    switch (event) {
      case 'nestmtx:*':
        return this.stream.receive(payload as TopicPayload);
      case 'init':
        return void this.onInit(payload as InitPayload);
      case 'session:revoked':
        // The server still answers what it had in flight (a logout's own answer), then disconnects.
        this.revokedFor = (payload as { reason: string }).reason;
        this.listeners.emit('revoked', { reason: this.revokedFor });
        this.revokeTimer = setTimeout(() => this.revoke(this.revokedFor ?? 'revoked'), 2000);
        return;
      case 'session:expiring':
        // Our own timer normally refreshes first; this covers a client clock that runs late.
        if (this.tokens.used() >= 0.5) void this.refreshTokens();
        return this.listeners.emit(event, payload);
      case 'system:shutdown':
        this.reconnectNotBefore = Date.now() + (payload as { reconnectAfterMs: number }).reconnectAfterMs;
        return this.listeners.emit(event, payload);
      case 'log':
      case 'system:disconnect':
        return this.listeners.emit(event, payload);
      default:
    }
  }

  private async onInit(init: InitPayload): Promise<void> {
    this.currentUser = init.user ?? this.currentUser;
    this.lastInit = init;
    this.online.reset(init);
    this.listeners.emit('init', init);
    const resumed = await this.resubscribe(init.seq);
    if (!resumed || this.closed) return;
    this.reconnectAttempts = 0;
    this.setState('connected');
    this.firstInit?.resolve();
    this.firstInit = null;
  }

  /** Subscribes the fresh connection, resuming after the last event handed on; false if the connection dropped meanwhile. */
  private async resubscribe(baseline: number): Promise<boolean> {
    const topics = this.options.topics ?? ['*'];
    const since = this.stream.lastSeq;
    for (let attempt = 0; !this.closed && this.socket?.connected; attempt++) {
      try {
        await this.send('subscriptions', 'create', undefined, { topics, ...(since === null ? {} : { since }) }, this.requestTimeoutMs);
        this.stream.release(baseline);
        return true;
      } catch (error) {
        if (!(error instanceof RelayError)) throw error;
        if (error.code === 'gone') {
          const detail = (error.details[0] ?? {}) as { oldestSeq?: number | null; latestSeq?: number | null };
          this.listeners.emit('resync', { reason: 'gone', oldestSeq: detail.oldestSeq, latestSeq: detail.latestSeq });
          // The socket receives everything after its `init` already; from there on nothing is missed.
          this.stream.release(baseline, true);
          return true;
        }
        if (error.code === 'network' || error.code === 'closed') return false;
        await new Promise((wake) => setTimeout(wake, Math.min(10_000, 250 * 2 ** attempt)));
      }
    }
    return false;
  }

  private onDisconnect(reason: string): void {
    this.stream.hold();
    this.requests.dropped(reason);
    if (this.revokedFor !== null) return this.revoke(this.revokedFor);
    if (this.closed) return;
    this.setState('reconnecting', reason);
    // socket.io-client comes back by itself after network trouble, not after the server disconnected it.
    if (!this.socket?.active) this.scheduleReconnect();
  }

  private async onConnectError(socket: Socket, error: Error & { data?: { code?: string } }): Promise<void> {
    if (this.closed || socket.active) return;
    const code = error.data?.code;
    if (code === 'unauthorized' || code === 'token_expired') {
      if (!this.tokens.canRefresh) return this.revoke(`connection refused: ${code}`);
      if (!(await this.refreshTokens())) return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    clearTimeout(this.reconnectTimer);
    const { reconnectDelayMs = 500, reconnectDelayMaxMs = 10_000 } = this.options;
    const backoff = Math.min(reconnectDelayMaxMs, reconnectDelayMs * 2 ** this.reconnectAttempts++) * (0.5 + Math.random() / 2);
    const delay = Math.max(backoff, this.reconnectNotBefore - Date.now());
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    if (this.closed || !this.socket || this.socket.connected) return;
    const expiresAt = this.tokens.expiresAt;
    if (expiresAt !== null && expiresAt - Date.now() < 5000 && this.tokens.canRefresh && !(await this.refreshTokens())) return;
    this.socket.connect();
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    const due = this.tokens.refreshDueAt();
    if (due === null || this.closed) return;
    this.refreshTimer = setTimeout(() => void this.refreshTokens(), Math.max(0, due - Date.now()));
  }

  /** Trades the refresh token and moves the live socket onto the new access token; false if that failed. */
  private async refreshTokens(): Promise<boolean> {
    let tokens: Tokens;
    try {
      tokens = await this.tokens.refresh();
    } catch (error) {
      if (this.closed) return false;
      if (isRevocation(error)) {
        this.revoke(`refresh refused: ${error instanceof Error ? error.message : String(error)}`);
      } else {
        clearTimeout(this.refreshTimer);
        this.refreshTimer = setTimeout(() => void this.refreshTokens(), 2000);
      }
      return false;
    }
    this.listeners.emit('tokens', tokens);
    this.scheduleRefresh();
    if (this.socket?.connected) {
      // The socket carries on under the new token; if this fails the next reconnect presents it anyway.
      await this.send('auth', 'update', undefined, { token: tokens.bearer }, this.requestTimeoutMs).catch(() => undefined);
    }
    return true;
  }

  private send(module: string, command: string, entity: unknown, payload: unknown, timeoutMs: number): Promise<unknown> {
    if (!this.socket || this.closed) return Promise.reject(new RelayError('closed', 'the client is closed', 0, [], { module, command }));
    return this.requests.send(this.socket, module, command, entity, payload, timeoutMs);
  }

  private revoke(reason: string): void {
    if (this.closed) return;
    if (this.revokedFor === null) this.listeners.emit('revoked', { reason });
    this.fail(new RelayError('unauthorized', `the session is over: ${reason}`, 401));
  }

  private fail(error: RelayError): void {
    this.firstInit?.reject(error);
    this.firstInit = null;
    this.close();
  }

  private setState(state: ConnectionState, reason?: string): void {
    if (this.connectionState === state) return;
    this.connectionState = state;
    this.listeners.emit('connection', { state, ...(reason ? { reason } : {}) });
  }
}
