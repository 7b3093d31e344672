import { ApiError } from './api-error.js';
import type { ConfigMap, MediaMtxConfig } from './config.js';
import { paginate, parseJsonBody, parseUuid } from './http-params.js';
import type { PathConfSchema } from './path-config.js';
import { describePath, type RuntimePath } from './runtime-path.js';
import { NOT_FOUND_ERROR, SESSION_KINDS, SESSION_SERVER, sessionItem, type FakeSession, type SessionKind } from './sessions.js';
import type { RecordedKick } from './types.js';

/** The parts of a FakeMediaMtx its Control API routes read and change. */
export interface ControlApiState {
  version: string;
  /** `/v3/info` `started`. */
  startedAt: string;
  config: MediaMtxConfig;
  schema: PathConfSchema;
  /** What reads see (the config MediaMTX has applied). */
  applied: ReadonlyMap<string, ConfigMap>;
  /** What writes see and change (MediaMTX's config after every write so far). */
  pending: Map<string, ConfigMap>;
  runtime: ReadonlyMap<string, RuntimePath>;
  sessionsById: Map<string, FakeSession>;
  sessions(kind: SessionKind): FakeSession[];
  kicks: RecordedKick[];
  kickListeners: ReadonlySet<(kick: RecordedKick) => void>;
}

/** The answer's body, and for a config write the configuration to apply once it has gone out. */
export interface RouteResult {
  payload: unknown;
  apply?: Map<string, ConfigMap>;
}

/**
 * The Control API's routes (`internal/api`): info, config paths, runtime paths and the session
 * kinds whose server runs. Undefined: no such route (gin's 404). Refusals throw an ApiError.
 */
export function routeControlApi(state: ControlApiState, method: string, path: string, query: string, body: string): RouteResult | undefined {
  const params = new URLSearchParams(query);
  /** gin's `*name` parameter without its leading "/" (paramName). */
  const name = (prefix: string): string => {
    const rest = path.startsWith(prefix) ? path.slice(prefix.length - 1) : '';
    if (rest.length < 2 || rest[0] !== '/') throw new ApiError(400, 'invalid name');
    return rest.slice(1);
  };
  const is = (m: string, prefix: string): boolean => method === m && (path === prefix.slice(0, -1) || path.startsWith(prefix));

  if (method === 'GET' && path === '/v3/info') return { payload: { version: state.version, started: state.startedAt } };

  if (method === 'GET' && path === '/v3/config/pathdefaults/get') return { payload: state.schema.redact(state.schema.resolve('', {}, false)) };

  if (method === 'GET' && path === '/v3/config/paths/list') {
    const items = [...state.applied.keys()].sort().map((n) => state.schema.redact(state.schema.resolve(n, state.applied.get(n)!)));
    return { payload: paginate(items, params) };
  }
  if (is('GET', '/v3/config/paths/get/')) {
    const n = name('/v3/config/paths/get/');
    const optional = state.applied.get(n);
    if (!optional) throw new ApiError(404, 'path configuration not found');
    return { payload: state.schema.redact(state.schema.resolve(n, optional)) };
  }
  if (is('POST', '/v3/config/paths/add/')) {
    const n = name('/v3/config/paths/add/');
    const optional = state.schema.decode(parseJsonBody(body));
    if (state.pending.has(n)) throw new ApiError(400, 'path already exists');
    state.schema.validate(n, optional);
    state.pending.set(n, optional);
    return { payload: { status: 'ok' }, apply: new Map(state.pending) };
  }
  if (is('PATCH', '/v3/config/paths/patch/')) {
    const n = name('/v3/config/paths/patch/');
    const patch = state.schema.decode(parseJsonBody(body));
    const current = state.pending.get(n);
    if (!current) throw new ApiError(404, 'path not found');
    const merged = { ...current, ...patch };
    state.schema.validate(n, merged);
    state.pending.set(n, merged);
    return { payload: { status: 'ok' }, apply: new Map(state.pending) };
  }
  if (is('POST', '/v3/config/paths/replace/')) {
    // Creates the path when it does not exist (conf.ReplacePath never fails; the OpenAPI
    // file's 404 is never sent; MediaMTX's own TestConfigPathsReplaceNonExisting).
    const n = name('/v3/config/paths/replace/');
    const optional = state.schema.decode(parseJsonBody(body));
    state.schema.validate(n, optional);
    state.pending.set(n, optional);
    return { payload: { status: 'ok' }, apply: new Map(state.pending) };
  }
  if (is('DELETE', '/v3/config/paths/delete/')) {
    const n = name('/v3/config/paths/delete/');
    if (!state.pending.has(n)) throw new ApiError(404, 'path not found');
    state.pending.delete(n);
    return { payload: { status: 'ok' }, apply: new Map(state.pending) };
  }

  if (method === 'GET' && path === '/v3/paths/list') {
    const items = [...state.runtime.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((rt) => describePath(rt));
    return { payload: paginate(items, params) };
  }
  if (is('GET', '/v3/paths/get/')) {
    const n = name('/v3/paths/get/');
    const rt = state.runtime.get(n);
    if (!rt) throw new ApiError(404, 'path not found');
    return { payload: describePath(rt) };
  }

  const m = /^\/v3\/([a-z]+)\/(list|get|kick)(?:\/([^/]+))?$/.exec(path);
  // A server's routes exist only while it runs (api/api.go Initialize); otherwise gin's 404.
  if (m && (SESSION_KINDS as readonly string[]).includes(m[1]) && state.config.servers[SESSION_SERVER[m[1] as SessionKind]]) {
    const kind = m[1] as SessionKind;
    const [, , op, id] = m;
    if (op === 'list' && method === 'GET' && id === undefined) {
      return { payload: paginate(state.sessions(kind).map(sessionItem), params) };
    }
    if (op === 'get' && method === 'GET' && id !== undefined) {
      const session = state.sessionsById.get(parseUuid(id));
      if (!session || session.kind !== kind) throw new ApiError(404, NOT_FOUND_ERROR[kind]);
      return { payload: sessionItem(session) };
    }
    if (op === 'kick' && method === 'POST' && id !== undefined) {
      const uuid = parseUuid(id);
      const session = state.sessionsById.get(uuid);
      const found = session !== undefined && session.kind === kind;
      const kick: RecordedKick = { kind, id: uuid, found, at: Date.now() };
      state.kicks.push(kick);
      if (!found) throw new ApiError(404, NOT_FOUND_ERROR[kind]);
      state.sessionsById.delete(uuid);
      for (const rt of state.runtime.values()) rt.readers = rt.readers.filter((r) => r.id !== uuid);
      for (const listener of state.kickListeners) listener(kick);
      return { payload: { status: 'ok' } };
    }
  }
  return undefined;
}
