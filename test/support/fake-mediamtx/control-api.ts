import { randomUUID } from 'node:crypto';
import { ControlApiHandler } from './api-handler.js';
import type { ControlApiState } from './api-routes.js';
import { loadMediaMtxConfig, REPO_MEDIAMTX_YML, type ConfigMap, type ConfigValue, type MediaMtxConfig } from './config.js';
import { normalizeUuid } from './http-params.js';
import { findPathConf, HOT_RELOADABLE, isRegexpConf, PathConfSchema, staticSourceType } from './path-config.js';
import type { PathManagerLoop } from './path-manager.js';
import { seededRandom } from './random.js';
import { RestartableHttpServer } from './restartable-server.js';
import { describePath, type RuntimePath } from './runtime-path.js';
import { READER_TYPE, SESSION_SERVER, type FakeSession, type SessionKind } from './sessions.js';
import type { AddSessionOptions, ApiPath, ApplyDelay, ClosedPath, FakeMediaMtxOptions, Fault, PathReader, RecordedAuthCall, RecordedKick, RecordedRequest, SetAvailableOptions } from './types.js';

/** The MediaMTX release this fake is ported from; docker-compose.yml pins the same one. */
export const MODELLED_MEDIAMTX_VERSION = 'v1.20.1';

/**
 * A fake MediaMTX Control API (v3, MediaMTX v1.20.1 / commit 3e09466) for the relay's tests:
 * the endpoints the relay uses, with MediaMTX's shapes, status codes and error texts (see
 * README.md for the source of each), an in-memory configuration that starts from the repo's
 * mediamtx.yml (pathDefaults and paths), runtime paths the test drives, kickable sessions, a
 * request log, outages (stop/start), restarts (wipe) and reloads of its configuration file.
 */
export class FakeMediaMtx {
  readonly config: MediaMtxConfig;
  readonly host: string;
  readonly version: string;
  /** Every request the API received, oldest first (cleared by clearRequests()). */
  readonly requests: RecordedRequest[] = [];
  /** Every kick request (found or not), oldest first. */
  readonly kicks: RecordedKick[] = [];
  /** Every `api` auth request sent to authCallbackUrl, oldest first. */
  readonly authCalls: RecordedAuthCall[] = [];
  authCallbackUrl: string | undefined;
  applyDelayMs: ApplyDelay;
  pathManager: PathManagerLoop | undefined;
  /** How many times wipe() (a MediaMTX restart) ran. */
  restarts = 0;
  /** How many times reload() (mediamtx.yml changed on disk) ran. */
  reloads = 0;

  private readonly schema: PathConfSchema;
  private readonly api: ControlApiHandler;
  private readonly http: RestartableHttpServer;
  /** `/v3/info` `started`: the process start time (`core/core.go`, `var started = time.Now()`). */
  private started = new Date();
  private readonly random: () => number;
  /** Applies run one after the other, in the order of the writes. */
  private applyQueue: Promise<void> = Promise.resolve();
  private lastApplyDue = 0;
  /** Bumped by a restart or reload: applies queued before it are dropped. */
  private generation = 0;
  /** What writes see (MediaMTX's config after every write so far). */
  private pending = new Map<string, ConfigMap>();
  /** What reads see (the config MediaMTX has applied). */
  private applied = new Map<string, ConfigMap>();
  private readonly runtime = new Map<string, RuntimePath>();
  private readonly sessionsById = new Map<string, FakeSession>();
  private applying = new Set<Promise<void>>();
  private readonly kickListeners = new Set<(kick: RecordedKick) => void>();

  private constructor(options: FakeMediaMtxOptions) {
    this.config = loadMediaMtxConfig(options.configFile ?? REPO_MEDIAMTX_YML, options.env ?? {});
    this.schema = new PathConfSchema(this.config.pathDefaults);
    this.api = new ControlApiHandler(this, () => this.apiState(), (snapshot) => this.scheduleApply(snapshot));
    this.host = options.host ?? '127.0.0.1';
    this.http = new RestartableHttpServer((req, res) => void this.api.handle(req, res), this.host, options.port ?? 0);
    this.authCallbackUrl = options.authCallbackUrl;
    this.applyDelayMs = options.applyDelayMs ?? 25;
    this.random = seededRandom(options.seed ?? 1);
    this.pathManager = options.pathManager;
    this.version = options.version ?? MODELLED_MEDIAMTX_VERSION;
    this.resetConfig();
  }

  /** Creates the fake and starts listening. */
  static async start(options: FakeMediaMtxOptions = {}): Promise<FakeMediaMtx> {
    const fake = new FakeMediaMtx(options);
    await fake.start();
    return fake;
  }

  get port(): number {
    return this.http.port;
  }

  /** Base URL, e.g. http://127.0.0.1:41234 (what MEDIAMTX_API_URL points at). */
  get url(): string {
    return this.http.url;
  }

  get running(): boolean {
    return this.http.running;
  }

  /** Listens (again) on the same port: MediaMTX is up. Keeps the state (see restart()). */
  start(): Promise<void> {
    return this.http.start();
  }

  /** Stops answering (connections refused, open ones cut): MediaMTX is down. Keeps the state. */
  async stop(): Promise<void> {
    if (!this.http.running) return;
    await this.http.stop();
    // Let clients see their kept-alive connections close before anything else happens, so a
    // client in this process does not reuse one after start() (a client elsewhere may: as
    // with a real MediaMTX restart, its first request can fail with "other side closed").
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  /** A MediaMTX restart: stop, forget everything added through the API (wipe), start. */
  async restart(): Promise<void> {
    await this.stop();
    this.wipe();
    await this.start();
  }

  /**
   * What a MediaMTX restart leaves: only the paths of mediamtx.yml, no runtime state, no
   * sessions. The request, kick and auth logs are kept.
   */
  wipe(): void {
    this.restarts++;
    this.started = new Date(Math.max(Date.now(), this.started.getTime() + 1));
    this.api.clearFaults();
    this.sessionsById.clear();
    this.runtime.clear();
    this.dropQueuedApplies();
    this.resetConfig();
  }

  /**
   * mediamtx.yml changed on disk: MediaMTX reloads it (`core/core.go` run, `confChanged` from
   * the confWatcher, then conf.Load and reloadConf), so every path added through the API is gone
   * (it is not in the file) and its runtime path closes, readers and all. `/v3/info` `started`
   * stays: the process did not restart. Returns the closed runtime paths with their readers,
   * for the test to run the hooks MediaMTX would (runOnUnavailable, runOnUnread).
   */
  reload(): ClosedPath[] {
    this.reloads++;
    this.dropQueuedApplies();
    return this.resetConfig();
  }

  /** `/v3/info` `started`. */
  get startedAt(): string {
    return this.started.toISOString();
  }

  private dropQueuedApplies(): void {
    this.generation++;
    this.lastApplyDue = 0;
  }

  /** Resolves when every accepted config write has been applied (reads see it). */
  async settled(): Promise<void> {
    while (this.applying.size > 0) await Promise.all([...this.applying]);
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Requests matching method and path (exact string or regexp), e.g. ('POST', /^\/v3\/config\/paths\/add\//). */
  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  injectFault(fault: Fault): void {
    this.api.injectFault(fault);
  }

  clearFaults(): void {
    this.api.clearFaults();
  }

  onKick(listener: (kick: RecordedKick) => void): () => void {
    this.kickListeners.add(listener);
    return () => this.kickListeners.delete(listener);
  }

  // -------------------------------------------------------------------------------------------
  // Configuration, as the API shows it once applied

  /** The applied path configuration as MediaMTX resolves it (defaults merged), NOT redacted. */
  pathConfig(name: string): Record<string, ConfigValue> | undefined {
    const optional = this.applied.get(name);
    return optional ? this.schema.resolve(name, optional) : undefined;
  }

  /** Names of the applied path configurations, sorted. */
  pathConfigNames(): string[] {
    return [...this.applied.keys()].sort();
  }

  /**
   * Adds a path configuration directly, as if it came from mediamtx.yml (e.g. a path the relay
   * does not own); applied at once, survives nothing (wipe() restores the file's paths only).
   */
  addPathConfig(name: string, values: ConfigMap = {}): void {
    const optional = this.schema.decode(values);
    this.schema.validate(name, optional);
    this.pending.set(name, optional);
    this.applyNow(new Map(this.pending));
  }

  // -------------------------------------------------------------------------------------------
  // Runtime paths

  /** The path as GET /v3/paths/get/{name} shows it (undefined: 404). */
  path(name: string): ApiPath | undefined {
    const rt = this.runtime.get(name);
    return rt ? describePath(rt) : undefined;
  }

  /**
   * The stream becomes available (and online): what precedes runOnAvailable. A name with no
   * static configuration of its own gets a runtime path under the configuration that matches
   * it (a ~regexp or all_others), like a publisher's path.
   */
  setAvailable(name: string, options: SetAvailableOptions = {}): ApiPath {
    const rt = this.runtimeFor(name);
    const conf = this.pathConfig(rt.confName);
    const sourceValue = typeof conf?.source === 'string' ? conf.source : 'publisher';
    const staticType = staticSourceType(sourceValue);
    rt.available = true;
    rt.availableTime = new Date().toISOString();
    rt.source = {
      type: options.sourceType ?? staticType ?? 'rtspSession',
      id: options.sourceId ?? (staticType ? '' : randomUUID()),
    };
    rt.tracks = (options.tracks ?? ['H264']).map((t) => (typeof t === 'string' ? { codec: t, codecProps: null } : t));
    rt.inboundBytes = options.inboundBytes ?? 0;
    rt.outboundBytes = options.outboundBytes ?? 0;
    return describePath(rt);
  }

  /**
   * The stream stops: its readers are removed (their sessions closed) first, then the path is
   * unavailable; MediaMTX runs runOnUnread for each returned reader, then runOnUnavailable.
   */
  setUnavailable(name: string): PathReader[] {
    const rt = this.runtime.get(name);
    if (!rt) throw new Error(`no runtime path ${name}`);
    const readers = rt.readers;
    for (const reader of readers) this.sessionsById.delete(reader.id);
    rt.readers = [];
    rt.available = false;
    rt.availableTime = null;
    rt.tracks = [];
    rt.inboundBytes = 0;
    rt.outboundBytes = 0;
    const conf = this.pathConfig(rt.confName);
    const staticType = staticSourceType(typeof conf?.source === 'string' ? conf.source : 'publisher');
    rt.source = staticType ? { type: staticType, id: '' } : null;
    if (!staticType && isRegexpConf(rt.confName)) this.runtime.delete(name);
    return readers;
  }

  /** A reader starts reading (what precedes runOnRead). The path must be available. */
  addReader(name: string, reader: PathReader): void {
    const rt = this.runtime.get(name);
    if (!rt?.available) throw new Error(`path ${name} is not available: MediaMTX has readers only on available paths`);
    if (!rt.readers.some((r) => r.id === reader.id && r.type === reader.type)) rt.readers.push({ ...reader });
  }

  /** A reader leaves (what precedes runOnUnread). Returns whether it was there. */
  removeReader(name: string, id: string): boolean {
    const rt = this.runtime.get(name);
    if (!rt) return false;
    const before = rt.readers.length;
    rt.readers = rt.readers.filter((r) => r.id !== id);
    return rt.readers.length !== before;
  }

  setBytes(name: string, bytes: { inboundBytes?: number; outboundBytes?: number }): void {
    const rt = this.runtime.get(name);
    if (!rt) throw new Error(`no runtime path ${name}`);
    if (bytes.inboundBytes !== undefined) rt.inboundBytes = bytes.inboundBytes;
    if (bytes.outboundBytes !== undefined) rt.outboundBytes = bytes.outboundBytes;
  }

  // -------------------------------------------------------------------------------------------
  // Sessions

  /** A client session (kickable with POST /v3/<kind>/kick/<id>); also a reader of an available path. */
  addSession(kind: SessionKind, options: AddSessionOptions): FakeSession {
    const server = SESSION_SERVER[kind];
    if (!this.config.servers[server]) throw new Error(`the ${server} server is off in this configuration: MediaMTX has no ${kind}`);
    const session: FakeSession = {
      kind,
      id: options.id ? normalizeUuid(options.id) : randomUUID(),
      created: new Date().toISOString(),
      remoteAddr: options.remoteAddr ?? '127.0.0.1:50000',
      state: 'read',
      path: options.path,
      query: options.query ?? '',
      user: options.user ?? '',
      userAgent: options.userAgent ?? '',
      inboundBytes: 0,
      outboundBytes: 0,
    };
    this.sessionsById.set(session.id, session);
    const rt = this.runtime.get(options.path);
    if (options.reader ?? rt?.available === true) this.addReader(options.path, { type: READER_TYPE[kind], id: session.id });
    return session;
  }

  session(id: string): FakeSession | undefined {
    return this.sessionsById.get(id);
  }

  /**
   * The client goes away: its session ends and it stops being a reader of its path (what
   * precedes its runOnUnread). Returns the reader it was, if it was one.
   */
  endSession(id: string): PathReader | undefined {
    const session = this.sessionsById.get(id);
    if (!session) return undefined;
    this.sessionsById.delete(id);
    const reader = { type: READER_TYPE[session.kind], id: session.id };
    return this.removeReader(session.path, session.id) ? reader : undefined;
  }

  sessions(kind?: SessionKind): FakeSession[] {
    return [...this.sessionsById.values()].filter((s) => kind === undefined || s.kind === kind);
  }

  // -------------------------------------------------------------------------------------------
  // HTTP (api-handler.ts, api-routes.ts)

  /** What the routes read and change, as it is now (writes and applies replace the maps). */
  private apiState(): ControlApiState {
    return {
      version: this.version,
      startedAt: this.startedAt,
      config: this.config,
      schema: this.schema,
      applied: this.applied,
      pending: this.pending,
      runtime: this.runtime,
      sessionsById: this.sessionsById,
      sessions: (kind) => this.sessions(kind),
      kicks: this.kicks,
      kickListeners: this.kickListeners,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Config internals

  private resetConfig(): ClosedPath[] {
    this.pending = new Map();
    for (const [name, values] of Object.entries(this.config.paths)) this.pending.set(name, this.schema.decode(values));
    return this.applyNow(new Map(this.pending));
  }

  private nextApplyDelay(): number {
    const delay = this.applyDelayMs;
    if (typeof delay === 'number') return delay;
    return delay.minMs + Math.floor(this.random() * (delay.maxMs - delay.minMs + 1));
  }

  private scheduleApply(snapshot: Map<string, ConfigMap>): void {
    const due = Math.max(Date.now() + this.nextApplyDelay(), this.lastApplyDue);
    this.lastApplyDue = due;
    const generation = this.generation;
    const done = (this.applyQueue = this.applyQueue.then(async () => {
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      // pathManager.ReloadPathConfs: the reload waits its turn in the path manager loop.
      const apply = () => {
        if (generation === this.generation) this.applyNow(snapshot);
      };
      await (this.pathManager ? this.pathManager.run(apply) : apply());
    }));
    this.applying.add(done);
    void done.then(() => this.applying.delete(done));
  }

  /**
   * reloadConf + pathManager.doReloadConf: config visible, runtime paths created/closed. A
   * closed path closes its readers (their sessions end); returns the closed paths.
   */
  private applyNow(snapshot: Map<string, ConfigMap>): ClosedPath[] {
    const before = new Map([...this.applied].map(([n, o]) => [n, this.schema.resolve(n, o)] as const));
    this.applied = snapshot;
    const closed: ClosedPath[] = [];
    const close = (name: string, rt: RuntimePath): void => {
      this.runtime.delete(name);
      for (const reader of rt.readers) this.sessionsById.delete(reader.id);
      closed.push({ name, available: rt.available, readers: rt.readers });
    };
    for (const [name, rt] of [...this.runtime]) {
      const confName = findPathConf(this.applied, name);
      if (confName === undefined) {
        close(name, rt);
        continue;
      }
      const old = before.get(rt.confName);
      const now = this.schema.resolve(confName, this.applied.get(confName)!);
      const changed = old === undefined || confName !== rt.confName || Object.keys(now).some((k) => !HOT_RELOADABLE.test(k) && JSON.stringify(now[k]) !== JSON.stringify(old[k]));
      if (changed) close(name, rt); // recreated below if static
    }
    for (const name of this.applied.keys()) {
      if (!isRegexpConf(name) && !this.runtime.has(name)) this.runtime.set(name, this.newRuntime(name, name));
    }
    return closed;
  }

  private newRuntime(name: string, confName: string): RuntimePath {
    const conf = this.schema.resolve(confName, this.applied.get(confName) ?? {});
    const staticType = staticSourceType(typeof conf.source === 'string' ? conf.source : 'publisher');
    return { name, confName, available: false, availableTime: null, source: staticType ? { type: staticType, id: '' } : null, tracks: [], readers: [], inboundBytes: 0, outboundBytes: 0 };
  }

  private runtimeFor(name: string): RuntimePath {
    let rt = this.runtime.get(name);
    if (!rt) {
      const confName = findPathConf(this.applied, name);
      if (confName === undefined) throw new Error(`path '${name}' is not configured`);
      rt = this.newRuntime(name, confName);
      this.runtime.set(name, rt);
    }
    return rt;
  }
}
