import type { IncomingHttpHeaders } from 'node:http';
import type { AuthRequestBody } from './auth.js';
import type { Environment } from './command-line.js';
import type { PathManagerLoop } from './path-manager.js';
import type { SessionKind } from './sessions.js';

/** What FakeMediaMtx takes, shows and records. */

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

/** The path hooks MediaMTX runs (`runOn…` in mediamtx.yml). */
export type HookName =
  | 'runOnInit'
  | 'runOnDemand'
  | 'runOnUnDemand'
  | 'runOnAvailable'
  | 'runOnUnavailable'
  | 'runOnOnline'
  | 'runOnOffline'
  | 'runOnRead'
  | 'runOnUnread';
