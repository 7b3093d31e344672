import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { authRequestBody, credentialsFromHttpAuthorization, matchesPermission, type AuthRequestBody } from './auth.js';
import { loadMediaMtxConfig, REPO_MEDIAMTX_YML, type ConfigMap, type ConfigValue, type MediaMtxConfig } from './config.js';
import type { Environment } from './command-line.js';
import type { PathManagerLoop } from './path-manager.js';
import { seededRandom } from './random.js';
import { NOT_FOUND_ERROR, READER_TYPE, SESSION_KINDS, SESSION_SERVER, sessionItem, type FakeSession, type SessionKind } from './sessions.js';

/**
 * A fake MediaMTX Control API (v3, MediaMTX v1.20.1 / commit 3e09466) for the relay's tests:
 * the endpoints the relay uses, with MediaMTX's shapes, status codes and error texts (see
 * README.md for the source of each), an in-memory configuration that starts from the repo's
 * mediamtx.yml (pathDefaults and paths), runtime paths the test drives, kickable sessions, a
 * request log, outages (stop/start), restarts (wipe) and reloads of its configuration file.
 */

export interface PathReader {
  type: string;
  id: string;
}

export interface PathSource {
  type: string;
  id: string;
}

export interface PathTrack {
  codec: string;
  codecProps: Record<string, unknown> | null;
}

/** GET /v3/paths/get/{name} (defs.APIPath). */
export interface ApiPath {
  name: string;
  confName: string;
  ready: boolean;
  readyTime: string | null;
  available: boolean;
  availableTime: string | null;
  online: boolean;
  onlineTime: string | null;
  source: PathSource | null;
  tracks: string[];
  tracks2: PathTrack[];
  readers: PathReader[];
  inboundBytes: number;
  outboundBytes: number;
  inboundFramesInError: number;
  bytesReceived: number;
  bytesSent: number;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  /** Decoded path, without the query. */
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  response: string;
  at: number;
}

export interface RecordedKick {
  kind: SessionKind;
  id: string;
  /** Whether a session was there to kick (false: answered 404). */
  found: boolean;
  at: number;
}

export interface RecordedAuthCall {
  body: AuthRequestBody;
  /** The relay's answer; null when the request failed (connection refused, timeout). */
  status: number | null;
  error?: string;
}

export interface Fault {
  method?: string;
  /** Matches the request path (without query): exact string or regexp. */
  path?: string | RegExp;
  /** Answer this status with `body` (JSON) instead of handling the request. */
  status?: number;
  body?: unknown;
  /** Never answer (the connection stays open until stop()). */
  hang?: boolean;
  /** Wait this long before handling (or answering the fault). */
  delayMs?: number;
  /** How many requests it applies to (default: 1; Infinity for all). */
  times?: number;
}

export interface SetAvailableOptions {
  /** Codec labels ("H264", "MPEG-4 Audio", ...) or full tracks2 entries. Default: ["H264"]. */
  tracks?: Array<string | PathTrack>;
  /** Default: from the source URL (rtspSource, rtmpSource, hlsSource, ...), or rtspSession for a publisher. */
  sourceType?: string;
  /** Default: "" for static sources (that is what MediaMTX reports), a new UUID for a publisher. */
  sourceId?: string;
  inboundBytes?: number;
  outboundBytes?: number;
}

export interface AddSessionOptions {
  path: string;
  id?: string;
  query?: string;
  user?: string;
  userAgent?: string;
  remoteAddr?: string;
  /** Also list it in the path's readers (default: true when the path is available). */
  reader?: boolean;
}

export interface FakeMediaMtxOptions {
  host?: string;
  /** 0 (default): any free port, kept across stop()/start(). */
  port?: number;
  /** mediamtx.yml to read pathDefaults and paths from (default: the repo's). */
  configFile?: string;
  /** MediaMTX's environment, for MTX_* overrides of the configuration. */
  env?: Environment;
  /**
   * When set, every Control API request is first sent to this URL as an `api` auth request
   * with the request's credentials, as MediaMTX does with authMethod http, and refused with 401
   * unless the answer is 2xx. Can be set later (the relay's URL is often known after).
   */
  authCallbackUrl?: string;
  /**
   * MediaMTX answers a config write before applying it (`core/core.go` run: the answer goes out,
   * then reloadConf, which waits on the path manager); reads (config get/list, paths get/list)
   * see the change this long after the answer was sent: a fixed number of ms (default 25) or,
   * `{minMs, maxMs}`, a different lag for each write, drawn with `seed`. Applies keep the order
   * of the writes, and writes always see all earlier writes (MediaMTX serialises them).
   */
  applyDelayMs?: ApplyDelay;
  /** Seed of the variable apply lag (default 1). */
  seed?: number;
  /**
   * MediaMTX's path manager loop, shared with a MediaMtxDriver: `/v3/paths/list`,
   * `/v3/paths/get` and config applies wait while an auth callback of a reader is pending.
   * Default: none (nothing waits).
   */
  pathManager?: PathManagerLoop;
  version?: string;
}

/** A runtime path a config change closed, as it was. */
export interface ClosedPath {
  name: string;
  available: boolean;
  readers: PathReader[];
}

/** A fixed apply lag in ms, or a range each write's lag is drawn from. */
export type ApplyDelay = number | { minMs: number; maxMs: number };

interface RuntimePath {
  name: string;
  confName: string;
  available: boolean;
  availableTime: string | null;
  source: PathSource | null;
  tracks: PathTrack[];
  readers: PathReader[];
  inboundBytes: number;
  outboundBytes: number;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const REDACTED = '<redacted>';

/** Deprecated PathConf keys (pointers with omitempty in Go): accepted, shown only when set. */
const DEPRECATED_PATH_KEYS: Record<string, 'string' | 'boolean' | 'number' | 'array'> = {
  fallback: 'string',
  playback: 'boolean',
  publishUser: 'string',
  publishPass: 'string',
  publishIPs: 'array',
  readUser: 'string',
  readPass: 'string',
  readIPs: 'array',
  disablePublisherOverride: 'boolean',
  sourceProtocol: 'string',
  sourceAnyPortEnable: 'boolean',
  rtspUDPReadBufferSize: 'number',
  mpegtsUDPReadBufferSize: 'number',
  rtpUDPReadBufferSize: 'number',
  rpiCameraProfile: 'string',
  rpiCameraLevel: 'string',
  rpiCameraHardwareH264Profile: 'string',
  rpiCameraHardwareH264Level: 'string',
  rpiCameraSoftwareH264Profile: 'string',
  rpiCameraSoftwareH264Level: 'string',
  rpiCameraJPEGQuality: 'number',
  runOnReady: 'string',
  runOnReadyRestart: 'boolean',
  runOnNotReady: 'string',
};

const DURATION_KEYS = new Set([
  'sourceOnDemandStartTimeout',
  'sourceOnDemandCloseAfter',
  'recordPartDuration',
  'recordSegmentDuration',
  'recordDeleteAfter',
  'whepSTUNGatherTimeout',
  'whepHandshakeTimeout',
  'whepTrackGatherTimeout',
  'runOnDemandStartTimeout',
  'runOnDemandCloseAfter',
]);

const SIZE_KEYS = new Set(['recordMaxPartSize']);

/** Changes MediaMTX applies to a running path without closing it (pathConfCanBeUpdated). */
const HOT_RELOADABLE = /^(forward|record.*|rpiCamera(Brightness|Contrast|Saturation|Sharpness|Exposure|FlickerPeriod|AWB|AWBGains|Denoise|Shutter|Metering|Gain|EV|FPS|TextOverlayEnable|TextOverlay|IDRPeriod|Bitrate))$/;

// ---------------------------------------------------------------------------------------------
// Go value formats

const NS = { ns: 1n, us: 1000n, µs: 1000n, μs: 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n } as const;
const DAY = 24n * NS.h;

/** Go's time.ParseDuration (in nanoseconds). */
function parseGoDuration(s: string): bigint {
  const orig = s;
  const invalid = (): ApiError => new ApiError(400, `time: invalid duration "${orig}"`);
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const [whole, int, frac] = [m[0], m[1], m[2] ?? ''];
    if (int === '' && frac === '') throw invalid();
    s = s.slice(whole.length);
    const unitMatch = /^[^\d.]*/.exec(s)!;
    const unit = unitMatch[0];
    if (unit === '') throw new ApiError(400, `time: missing unit in duration "${orig}"`);
    const scale = (NS as Record<string, bigint>)[unit];
    if (scale === undefined) throw new ApiError(400, `time: unknown unit "${unit}" in duration "${orig}"`);
    s = s.slice(unit.length);
    total += BigInt(int || '0') * scale;
    if (frac !== '') total += (BigInt(frac) * scale) / 10n ** BigInt(frac.length);
  }
  return neg ? -total : total;
}

/** MediaMTX's conf.Duration unmarshal: an optional "<n>d" prefix, then a Go duration. */
function parseMtxDuration(s: string): bigint {
  let days = 0n;
  let negative = false;
  const m = /^(-?[0-9]+)d/.exec(s);
  if (m) {
    days = BigInt(m[1]);
    if (days < 0n) {
      negative = true;
      days = -days;
    }
    s = s.slice(m[0].length);
  }
  let rest = s.length !== 0 ? parseGoDuration(s) : 0n;
  rest += days * DAY;
  return negative ? -rest : rest;
}

function fmtFrac(v: bigint, prec: number): [string, bigint] {
  let out = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) out = digit.toString() + out;
    v /= 10n;
  }
  return [print ? '.' + out : '', v];
}

/** Go's time.Duration.String(). */
function goDurationString(d: bigint): string {
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < NS.s) {
    if (u === 0n) return '0s';
    let prec: number;
    let unit: string;
    if (u < NS.us) {
      prec = 0;
      unit = 'ns';
    } else if (u < NS.ms) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const [frac, rest] = fmtFrac(u, prec);
    out = rest.toString() + frac + unit;
  } else {
    const [frac, secs] = fmtFrac(u, 9);
    u = secs;
    out = (u % 60n).toString() + frac + 's';
    u /= 60n;
    if (u > 0n) {
      out = (u % 60n).toString() + 'm' + out;
      u /= 60n;
      if (u > 0n) out = u.toString() + 'h' + out;
    }
  }
  return neg ? '-' + out : out;
}

/** MediaMTX's conf.Duration marshal ("1d", "1h0m0s", "10s"; zero is ""). */
function formatMtxDuration(d: bigint): string {
  const negative = d < 0n;
  if (negative) d = -d;
  const days = d / DAY;
  const rest = d % DAY;
  let out = negative ? '-' : '';
  if (days > 0n) out += `${days}d`;
  if (rest !== 0n) out += goDurationString(rest);
  return out;
}

const BYTE_UNITS: Array<[string, number]> = [
  ['E', 2 ** 60],
  ['P', 2 ** 50],
  ['T', 2 ** 40],
  ['G', 2 ** 30],
  ['M', 2 ** 20],
  ['K', 2 ** 10],
];

/** bytefmt.ToBytes, as conf.StringSize uses it. */
function parseByteSize(s: string): number {
  const error = new ApiError(400, 'byte quantity must be a positive integer with a unit of measurement like M, MB, MiB, G, GiB, or GB');
  const upper = s.trim().toUpperCase();
  const i = upper.search(/\p{L}/u);
  if (i === -1) throw error;
  const value = Number(upper.slice(0, i));
  if (upper.slice(0, i) === '' || !Number.isFinite(value) || value < 0) throw error;
  const multiple = upper.slice(i);
  if (multiple === 'B') return Math.floor(value);
  for (const [unit, size] of BYTE_UNITS) {
    if (multiple === unit || multiple === `${unit}B` || multiple === `${unit}IB`) return Math.floor(value * size);
  }
  throw error;
}

/** bytefmt.ByteSize. */
function formatByteSize(bytes: number): string {
  if (bytes === 0) return '0B';
  for (const [unit, size] of BYTE_UNITS) {
    if (bytes >= size) return (bytes / size).toFixed(1).replace(/\.0$/, '') + unit;
  }
  return (bytes / 1).toFixed(1).replace(/\.0$/, '') + 'B';
}

// ---------------------------------------------------------------------------------------------
// Paths

/** conf.IsValidPathName. */
function pathNameError(name: string): string | undefined {
  if (name === '') return 'cannot be empty';
  if (name.startsWith('/')) return "can't begin with a slash";
  if (name.endsWith('/')) return "can't end with a slash";
  if (!/^[0-9a-zA-Z_\-/.]+$/.test(name)) return 'can contain only alphanumeric characters, underscore, dot, minus, slash';
  if (name.split('/').some((segment) => segment === '.' || segment === '..')) return "can't contain dot path segments";
  return undefined;
}

function isRegexpConf(name: string): boolean {
  return name === 'all_others' || name === 'all' || name.startsWith('~');
}

function staticSourceType(source: string): string | undefined {
  if (/^(rtsps?|rtsps?\+http|rtsps?\+ws):\/\//.test(source)) return 'rtspSource';
  if (/^rtmps?:\/\//.test(source)) return 'rtmpSource';
  if (/^https?:\/\//.test(source)) return 'hlsSource';
  if (/^(udp|udp\+mpegts|unix\+mpegts):\/\//.test(source)) return 'mpegtsSource';
  if (/^(udp\+rtp|unix\+rtp):\/\//.test(source)) return 'rtpSource';
  if (source.startsWith('srt://')) return 'srtSource';
  if (source.startsWith('moqt://')) return 'moqSource';
  if (/^wheps?:\/\//.test(source)) return 'webRTCSource';
  if (source === 'rpiCamera') return 'rpiCameraSource';
  return undefined;
}

/** conf validateURL. */
function validateSourceUrl(source: string, needsPort = false): void {
  const s = source.replace(/:\$G[0-9]+/g, ':1935').replace(/\$G[0-9]+/g, 'abc');
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new ApiError(400, `'${source}' is not a valid URL`);
  }
  if (url.protocol === '' || url.host === '') throw new ApiError(400, `'${source}' is not a valid URL`);
  if ((url.username !== '') !== (url.password !== '')) throw new ApiError(400, 'username and password must be both provided');
  if (needsPort && url.port === '') throw new ApiError(400, `'${source}' is missing the port`);
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

// ---------------------------------------------------------------------------------------------

/** The MediaMTX release this fake is ported from; docker-compose.yml pins the same one. */
export const MODELLED_MEDIAMTX_VERSION = 'v1.20.1';

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

  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort: number;
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
  private faults: Array<Fault & { remaining: number }> = [];
  private applying = new Set<Promise<void>>();
  private readonly kickListeners = new Set<(kick: RecordedKick) => void>();

  private constructor(options: FakeMediaMtxOptions) {
    this.config = loadMediaMtxConfig(options.configFile ?? REPO_MEDIAMTX_YML, options.env ?? {});
    this.host = options.host ?? '127.0.0.1';
    this.boundPort = options.port ?? 0;
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
    return this.boundPort;
  }

  /** Base URL, e.g. http://127.0.0.1:41234 (what MEDIAMTX_API_URL points at). */
  get url(): string {
    return `http://${this.host}:${this.boundPort}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Listens (again) on the same port: MediaMTX is up. Keeps the state (see restart()). */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('unexpected server address');
    this.boundPort = address.port;
    this.server = server;
  }

  /** Stops answering (connections refused, open ones cut): MediaMTX is down. Keeps the state. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
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
    this.faults = [];
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
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
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
    return optional ? this.resolve(name, optional) : undefined;
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
    const optional = this.decode(values);
    this.validate(name, optional);
    this.pending.set(name, optional);
    this.applyNow(new Map(this.pending));
  }

  // -------------------------------------------------------------------------------------------
  // Runtime paths

  /** The path as GET /v3/paths/get/{name} shows it (undefined: 404). */
  path(name: string): ApiPath | undefined {
    const rt = this.runtime.get(name);
    return rt ? this.describe(rt) : undefined;
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
    return this.describe(rt);
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
  // HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.handleRequest(req, res);
    } catch (error) {
      if (!res.headersSent && !res.destroyed) {
        const text = JSON.stringify({ status: 'error', error: error instanceof Error ? error.message : String(error) });
        res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(text);
      }
    }
  }

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q >= 0 ? url.slice(0, q) : url;
    const query = q >= 0 ? url.slice(q + 1) : '';
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      path = rawPath;
    }
    const method = req.method ?? 'GET';
    const record: RecordedRequest = { method, url, path, query, headers: req.headers, body, status: 0, response: '', at: Date.now() };
    this.requests.push(record);

    const send = (status: number, payload: unknown, contentType = 'application/json; charset=utf-8'): void => {
      const text = typeof payload === 'string' && !contentType.startsWith('application/json') ? payload : JSON.stringify(payload);
      record.status = status;
      record.response = text;
      if (res.destroyed) return;
      res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };

    const fault = this.faults.find((f) => f.remaining > 0 && (!f.method || f.method === method) && (!f.path || (typeof f.path === 'string' ? f.path === path : f.path.test(path))));
    if (fault) {
      fault.remaining--;
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.hang) return;
      if (fault.status !== undefined) {
        send(fault.status, fault.body ?? { status: 'error', error: 'injected fault' });
        return;
      }
    }

    // middlewareAuth: every request, before routing (an unknown route is authenticated too).
    if (this.authCallbackUrl !== undefined) {
      const ok = await this.authenticate(req, query);
      if (!ok.allowed) {
        if (ok.ask) res.setHeader('WWW-Authenticate', 'Basic realm="mediamtx"');
        send(401, { status: 'error', error: 'authentication error' });
        return;
      }
    }

    let status = 200;
    let payload: unknown;
    try {
      const viaPathManager = this.pathManager !== undefined && method === 'GET' && (path === '/v3/paths/list' || path.startsWith('/v3/paths/get/'));
      const result = viaPathManager ? await this.pathManager!.run(() => this.route(method, path, query, body)) : this.route(method, path, query, body);
      if (result === undefined) {
        send(404, '404 page not found', 'text/plain');
        return;
      }
      payload = result.payload;
      const apply = result.apply;
      // Applied after the answer has gone out (or the client went away), never before.
      if (apply) res.once('close', () => this.scheduleApply(apply));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      status = error.status;
      payload = { status: 'error', error: error.message };
    }
    send(status, payload);
  }

  private async authenticate(req: IncomingMessage, query: string): Promise<{ allowed: boolean; ask: boolean }> {
    const credentials = credentialsFromHttpAuthorization(req.headers.authorization);
    const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const body = authRequestBody({ action: 'api', query, credentials, ip });
    const ask = !credentials.user && !credentials.pass && !body.token;
    if (matchesPermission(this.config.authHTTPExclude, body)) return { allowed: true, ask };
    const call: RecordedAuthCall = { body, status: null };
    this.authCalls.push(call);
    try {
      const answer = await fetch(this.authCallbackUrl!, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      await answer.arrayBuffer();
      call.status = answer.status;
      return { allowed: answer.status >= 200 && answer.status <= 299, ask };
    } catch (error) {
      call.error = error instanceof Error ? error.message : String(error);
      return { allowed: false, ask };
    }
  }

  private route(method: string, path: string, query: string, body: string): { payload: unknown; apply?: Map<string, ConfigMap> } | undefined {
    const params = new URLSearchParams(query);
    /** gin's `*name` parameter without its leading "/" (paramName). */
    const name = (prefix: string): string => {
      const rest = path.startsWith(prefix) ? path.slice(prefix.length - 1) : '';
      if (rest.length < 2 || rest[0] !== '/') throw new ApiError(400, 'invalid name');
      return rest.slice(1);
    };
    const is = (m: string, prefix: string): boolean => method === m && (path === prefix.slice(0, -1) || path.startsWith(prefix));

    if (method === 'GET' && path === '/v3/info') return { payload: { version: this.version, started: this.started.toISOString() } };

    if (method === 'GET' && path === '/v3/config/pathdefaults/get') return { payload: this.redact(this.resolve('', {}, false)) };

    if (method === 'GET' && path === '/v3/config/paths/list') {
      const items = [...this.applied.keys()].sort().map((n) => this.redact(this.resolve(n, this.applied.get(n)!)));
      return { payload: paginate(items, params) };
    }
    if (is('GET', '/v3/config/paths/get/')) {
      const n = name('/v3/config/paths/get/');
      const optional = this.applied.get(n);
      if (!optional) throw new ApiError(404, 'path configuration not found');
      return { payload: this.redact(this.resolve(n, optional)) };
    }
    if (is('POST', '/v3/config/paths/add/')) {
      const n = name('/v3/config/paths/add/');
      const optional = this.decode(parseJsonBody(body));
      if (this.pending.has(n)) throw new ApiError(400, 'path already exists');
      this.validate(n, optional);
      this.pending.set(n, optional);
      return { payload: { status: 'ok' }, apply: new Map(this.pending) };
    }
    if (is('PATCH', '/v3/config/paths/patch/')) {
      const n = name('/v3/config/paths/patch/');
      const patch = this.decode(parseJsonBody(body));
      const current = this.pending.get(n);
      if (!current) throw new ApiError(404, 'path not found');
      const merged = { ...current, ...patch };
      this.validate(n, merged);
      this.pending.set(n, merged);
      return { payload: { status: 'ok' }, apply: new Map(this.pending) };
    }
    if (is('POST', '/v3/config/paths/replace/')) {
      // Creates the path when it does not exist (conf.ReplacePath never fails; the OpenAPI
      // file's 404 is never sent; MediaMTX's own TestConfigPathsReplaceNonExisting).
      const n = name('/v3/config/paths/replace/');
      const optional = this.decode(parseJsonBody(body));
      this.validate(n, optional);
      this.pending.set(n, optional);
      return { payload: { status: 'ok' }, apply: new Map(this.pending) };
    }
    if (is('DELETE', '/v3/config/paths/delete/')) {
      const n = name('/v3/config/paths/delete/');
      if (!this.pending.has(n)) throw new ApiError(404, 'path not found');
      this.pending.delete(n);
      return { payload: { status: 'ok' }, apply: new Map(this.pending) };
    }

    if (method === 'GET' && path === '/v3/paths/list') {
      const items = [...this.runtime.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((rt) => this.describe(rt));
      return { payload: paginate(items, params) };
    }
    if (is('GET', '/v3/paths/get/')) {
      const n = name('/v3/paths/get/');
      const rt = this.runtime.get(n);
      if (!rt) throw new ApiError(404, 'path not found');
      return { payload: this.describe(rt) };
    }

    const m = /^\/v3\/([a-z]+)\/(list|get|kick)(?:\/([^/]+))?$/.exec(path);
    // A server's routes exist only while it runs (api/api.go Initialize); otherwise gin's 404.
    if (m && (SESSION_KINDS as readonly string[]).includes(m[1]) && this.config.servers[SESSION_SERVER[m[1] as SessionKind]]) {
      const kind = m[1] as SessionKind;
      const [, , op, id] = m;
      if (op === 'list' && method === 'GET' && id === undefined) {
        return { payload: paginate(this.sessions(kind).map(sessionItem), params) };
      }
      if (op === 'get' && method === 'GET' && id !== undefined) {
        const session = this.sessionsById.get(parseUuid(id));
        if (!session || session.kind !== kind) throw new ApiError(404, NOT_FOUND_ERROR[kind]);
        return { payload: sessionItem(session) };
      }
      if (op === 'kick' && method === 'POST' && id !== undefined) {
        const uuid = parseUuid(id);
        const session = this.sessionsById.get(uuid);
        const found = session !== undefined && session.kind === kind;
        const kick: RecordedKick = { kind, id: uuid, found, at: Date.now() };
        this.kicks.push(kick);
        if (!found) throw new ApiError(404, NOT_FOUND_ERROR[kind]);
        this.sessionsById.delete(uuid);
        for (const rt of this.runtime.values()) rt.readers = rt.readers.filter((r) => r.id !== uuid);
        for (const listener of this.kickListeners) listener(kick);
        return { payload: { status: 'ok' } };
      }
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Config internals

  private resetConfig(): ClosedPath[] {
    this.pending = new Map();
    for (const [name, values] of Object.entries(this.config.paths)) this.pending.set(name, this.decode(values));
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
    const before = new Map([...this.applied].map(([n, o]) => [n, this.resolve(n, o)] as const));
    this.applied = snapshot;
    const closed: ClosedPath[] = [];
    const close = (name: string, rt: RuntimePath): void => {
      this.runtime.delete(name);
      for (const reader of rt.readers) this.sessionsById.delete(reader.id);
      closed.push({ name, available: rt.available, readers: rt.readers });
    };
    for (const [name, rt] of [...this.runtime]) {
      const confName = this.findConf(name);
      if (confName === undefined) {
        close(name, rt);
        continue;
      }
      const old = before.get(rt.confName);
      const now = this.resolve(confName, this.applied.get(confName)!);
      const changed = old === undefined || confName !== rt.confName || Object.keys(now).some((k) => !HOT_RELOADABLE.test(k) && JSON.stringify(now[k]) !== JSON.stringify(old[k]));
      if (changed) close(name, rt); // recreated below if static
    }
    for (const name of this.applied.keys()) {
      if (!isRegexpConf(name) && !this.runtime.has(name)) this.runtime.set(name, this.newRuntime(name, name));
    }
    return closed;
  }

  private newRuntime(name: string, confName: string): RuntimePath {
    const conf = this.resolve(confName, this.applied.get(confName) ?? {});
    const staticType = staticSourceType(typeof conf.source === 'string' ? conf.source : 'publisher');
    return { name, confName, available: false, availableTime: null, source: staticType ? { type: staticType, id: '' } : null, tracks: [], readers: [], inboundBytes: 0, outboundBytes: 0 };
  }

  /** conf.FindPathConf: exact name, else the first matching ~regexp (sorted), else all_others/all. */
  private findConf(name: string): string | undefined {
    if (this.applied.has(name)) return name;
    for (const confName of [...this.applied.keys()].sort()) {
      if (confName.startsWith('~')) {
        try {
          if (new RegExp(confName.slice(1)).test(name)) return confName;
        } catch {
          // invalid regexps are refused at validation
        }
      }
    }
    if (this.applied.has('all_others')) return 'all_others';
    if (this.applied.has('all')) return 'all';
    return undefined;
  }

  private runtimeFor(name: string): RuntimePath {
    let rt = this.runtime.get(name);
    if (!rt) {
      const confName = this.findConf(name);
      if (confName === undefined) throw new Error(`path '${name}' is not configured`);
      rt = this.newRuntime(name, confName);
      this.runtime.set(name, rt);
    }
    return rt;
  }

  /** jsonwrapper decoding of an OptionalPath: unknown fields and wrong types are refused. */
  private decode(input: unknown): ConfigMap {
    if (!isPlainObject(input)) throw new ApiError(400, `json: cannot unmarshal ${jsonKind(input)} into Go value of type map[string]json.RawMessage`);
    const out: ConfigMap = {};
    for (const [key, value] of Object.entries(input)) {
      const defaultValue = key === 'name' ? '' : this.config.pathDefaults[key];
      const deprecated = DEPRECATED_PATH_KEYS[key];
      if (defaultValue === undefined && deprecated === undefined) throw new ApiError(400, `json: unknown field "${key}"`);
      if (value === null) continue; // a null leaves the field unset
      const expected: string = deprecated ?? (Array.isArray(defaultValue) ? 'array' : typeof defaultValue);
      const actual = Array.isArray(value) ? 'array' : typeof value;
      if (expected !== actual && !(expected === 'object' && isPlainObject(value))) {
        const goType = expected === 'boolean' ? 'bool' : expected === 'number' ? (Number.isInteger(defaultValue) ? 'int' : 'float64') : expected === 'array' ? 'slice' : expected;
        throw new ApiError(400, `json: cannot unmarshal ${jsonKind(value)} into Go value of type ${goType}`);
      }
      if (key === 'rtspTransport' || key === 'sourceProtocol') {
        if (!['automatic', 'udp', 'multicast', 'tcp'].includes(value as string)) throw new ApiError(400, `invalid transport '${value as string}'`);
      }
      if (DURATION_KEYS.has(key)) parseMtxDuration(value as string);
      if (SIZE_KEYS.has(key)) parseByteSize(value as string);
      if (key === 'name') continue; // filled by Validate()
      out[key] = value as ConfigValue;
    }
    return out;
  }

  /** The subset of conf.Path.validate that concerns camera paths (first error wins). */
  private validate(name: string, optional: ConfigMap): void {
    const conf = this.resolve(name, optional);
    const str = (key: string): string => (typeof conf[key] === 'string' ? conf[key] : '');
    const regexp = isRegexpConf(name);
    if (!regexp) {
      const reason = pathNameError(name);
      if (reason) throw new ApiError(400, `invalid path name '${name}': ${reason}`);
    } else if (name.startsWith('~')) {
      try {
        new RegExp(name.slice(1));
      } catch {
        throw new ApiError(400, `invalid regular expression: ${name.slice(1)}`);
      }
    }
    const source = str('source');
    if (str('srtPublishPassphrase') !== '' && source !== 'publisher') throw new ApiError(400, "'srtPublishPassphase' can only be used when source is 'publisher'");
    if (source !== 'redirect' && str('sourceRedirect') !== '') throw new ApiError(400, "'sourceRedirect' is useless when source is not 'redirect'");
    if (source === 'publisher' || source === 'rpiCamera' || source.startsWith('unix+mpegts://')) {
      // nothing to check here
    } else if (/^(rtsps?|rtsps?\+http|rtsps?\+ws|rtmps?|https?|srt|moqt|wheps?):\/\//.test(source)) {
      validateSourceUrl(source);
    } else if (/^(udp|udp\+mpegts|udp\+rtp):\/\//.test(source)) {
      validateSourceUrl(source, true);
      if (source.startsWith('udp+rtp://') && str('rtpSDP') === '') throw new ApiError(400, '`rtpSDP` was not provided');
    } else if (source.startsWith('unix+rtp://')) {
      if (str('rtpSDP') === '') throw new ApiError(400, '`rtpSDP` was not provided');
    } else if (source === 'redirect') {
      if (str('sourceRedirect') === '') throw new ApiError(400, 'source redirect must be filled');
    } else {
      throw new ApiError(400, `invalid source: '${source}'`);
    }
    if (conf.sourceOnDemand === true) {
      if (source === 'publisher') throw new ApiError(400, "'sourceOnDemand' is useless when source is 'publisher'");
    } else if (source !== 'publisher' && source !== 'redirect' && regexp) {
      throw new ApiError(400, "a path with a regular expression (or path 'all_others') and a static source must have 'sourceOnDemand' set to true");
    }
    if (!str('recordPath').includes('%path')) throw new ApiError(400, "'recordPath' must contain %path");
    if (str('runOnInit') !== '' && regexp) throw new ApiError(400, "a path with a regular expression (or path 'all_others') does not support option 'runOnInit'; use another path");
    if ((str('runOnDemand') !== '' || str('runOnUnDemand') !== '') && source !== 'publisher') {
      throw new ApiError(400, "'runOnDemand' and 'runOnUnDemand' can be used only when source is 'publisher'");
    }
  }

  /** newPath(pathDefaults, optional) + Name, marshalled like MediaMTX (durations, sizes). */
  private resolve(name: string, optional: ConfigMap, withName = true): Record<string, ConfigValue> {
    const out: Record<string, ConfigValue> = withName ? { name } : {};
    for (const [key, value] of Object.entries(this.config.pathDefaults)) out[key] = clone(key in optional ? optional[key] : value);
    for (const key of Object.keys(DEPRECATED_PATH_KEYS)) if (key in optional) out[key] = clone(optional[key]);
    for (const key of DURATION_KEYS) if (typeof out[key] === 'string') out[key] = formatMtxDuration(parseMtxDuration(out[key]));
    for (const key of SIZE_KEYS) if (typeof out[key] === 'string') out[key] = formatByteSize(parseByteSize(out[key]));
    return out;
  }

  /** redactCredentials: publishPass/readPass only; a password inside `source` is NOT redacted. */
  private redact(conf: Record<string, ConfigValue>): Record<string, ConfigValue> {
    for (const key of ['publishPass', 'readPass']) if (typeof conf[key] === 'string' && conf[key] !== '') conf[key] = REDACTED;
    return conf;
  }

  private describe(rt: RuntimePath): ApiPath {
    const available = rt.available;
    const readers = [...rt.readers].sort((a, b) => (a.type !== b.type ? (a.type < b.type ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return {
      name: rt.name,
      confName: rt.confName,
      ready: available,
      readyTime: available ? rt.availableTime : null,
      available,
      availableTime: available ? rt.availableTime : null,
      online: available,
      onlineTime: available ? rt.availableTime : null,
      source: rt.source ? { ...rt.source } : null,
      tracks: available ? rt.tracks.map((t) => t.codec) : [],
      tracks2: available ? rt.tracks.map((t) => ({ codec: t.codec, codecProps: t.codecProps })) : [],
      readers,
      inboundBytes: available ? rt.inboundBytes : 0,
      outboundBytes: available ? rt.outboundBytes : 0,
      inboundFramesInError: 0,
      bytesReceived: available ? rt.inboundBytes : 0,
      bytesSent: available ? rt.outboundBytes : 0,
    };
  }
}

function parseJsonBody(body: string): unknown {
  if (body.trim() === '') throw new ApiError(400, 'unexpected end of JSON input');
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new ApiError(400, `invalid character in JSON input: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseUint31(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new ApiError(400, `strconv.ParseUint: parsing "${value}": invalid syntax`);
  const n = Number(value);
  if (n > 2 ** 31 - 1) throw new ApiError(400, `strconv.ParseUint: parsing "${value}": value out of range`);
  return n;
}

/** paginate(): {itemCount, pageCount, items}; itemsPerPage default 100, page 0-based. */
function paginate<T>(items: T[], params: URLSearchParams): { itemCount: number; pageCount: number; items: T[] } {
  let itemsPerPage = 100;
  const ipp = params.get('itemsPerPage') ?? '';
  if (ipp !== '') {
    itemsPerPage = parseUint31(ipp);
    if (itemsPerPage === 0) throw new ApiError(400, 'invalid items per page');
  }
  const pageParam = params.get('page') ?? '';
  const page = pageParam !== '' ? parseUint31(pageParam) : 0;
  if (items.length === 0) return { itemCount: 0, pageCount: 0, items: [] };
  const pageCount = Math.ceil(items.length / itemsPerPage);
  const from = Math.min(page * itemsPerPage, items.length);
  const to = Math.min((page + 1) * itemsPerPage, items.length);
  return { itemCount: items.length, pageCount, items: items.slice(from, to) };
}

/** google/uuid Parse (the forms MediaMTX accepts in /kick/:id and /get/:id), canonical lower case. */
function parseUuid(raw: string): string {
  let s = raw;
  if (s.length === 45 && s.slice(0, 9).toLowerCase() === 'urn:uuid:') s = s.slice(9);
  else if (s.length === 38 && s[0] === '{' && s[37] === '}') s = s.slice(1, 37);
  else if (s.length === 32) s = `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  else if (s.length !== 36) throw new ApiError(400, `invalid UUID length: ${raw.length}`);
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s)) throw new ApiError(400, 'invalid UUID format');
  return s.toLowerCase();
}

function normalizeUuid(id: string): string {
  try {
    return parseUuid(id);
  } catch {
    throw new Error(`not a UUID: ${id} (MediaMTX session ids are UUIDs)`);
  }
}
