import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { AuthPermission } from './auth.js';
import type { Environment } from './command-line.js';

/** The repo's own MediaMTX configuration, the one docker-compose.yml mounts at /mediamtx.yml. */
export const REPO_MEDIAMTX_YML = fileURLToPath(new URL('../../../mediamtx.yml', import.meta.url));

export type ConfigValue = string | number | boolean | null | ConfigValue[] | { [key: string]: ConfigValue };
export type ConfigMap = Record<string, ConfigValue>;

/** The parts of mediamtx.yml the fake needs, after MediaMTX's MTX_* environment overrides. */
export interface MediaMtxConfig {
  file: string;
  /** Every top-level key as parsed (before overrides). */
  raw: ConfigMap;
  authMethod: string;
  authHTTPAddress: string;
  authHTTPExclude: AuthPermission[];
  api: boolean;
  apiAddress: string;
  metrics: boolean;
  metricsAddress: string;
  /**
   * Which servers run, hence which session routes the Control API has (`core/core.go`
   * createResources: RTSP when rtsp and rtspEncryption is no/optional, RTSPS when it is
   * strict/optional, the same for RTMP/RTMPS; `api/api.go` Initialize registers a server's
   * routes only when it runs).
   */
  servers: Record<MediaMtxServer, boolean>;
  /** pathDefaults with YAML nulls turned into "" (every null in pathDefaults is a Go string). */
  pathDefaults: ConfigMap;
  /** The `paths` section: name → its settings ({} for `name:` with nothing under it). */
  paths: Record<string, ConfigMap>;
}

export type MediaMtxServer = 'rtsp' | 'rtsps' | 'rtmp' | 'rtmps' | 'hls' | 'webrtc' | 'srt' | 'moq';

/** conf.Encryption UnmarshalJSON (`conf/encryption.go`): "no", "strict", "optional"; "false" is "no", "true"/"yes" "strict". */
function encryption(value: ConfigValue | undefined, key: string): 'no' | 'strict' | 'optional' {
  const text = value === undefined || value === null ? 'no' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (text === 'no' || text === 'false') return 'no';
  if (text === 'strict' || text === 'true' || text === 'yes') return 'strict';
  if (text === 'optional') return 'optional';
  throw new Error(`${key}: invalid encryption: '${text}'`);
}

function isMap(value: unknown): value is ConfigMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * MediaMTX's env.Load("MTX", conf) for scalars: MTX_<KEY> overrides a top-level key and
 * MTX_PATHDEFAULTS_<KEY> a pathDefaults key (KEY = the JSON name in upper case). Booleans
 * accept yes/true/no/false like MediaMTX. Config values themselves are never expanded. (MediaMTX
 * also reads the legacy RTSP_<KEY> prefix first; not ported.)
 */
function envOverride(key: string, current: ConfigValue | undefined, prefix: string, env: Environment): ConfigValue | undefined {
  const value = env[`${prefix}_${key.toUpperCase()}`];
  // Lists and maps use MTX_<KEY>_<N>_<FIELD> in MediaMTX; not needed here, so not ported.
  if (value === undefined || (typeof current === 'object' && current !== null)) return current;
  if (typeof current === 'boolean') {
    const lower = value.toLowerCase();
    if (lower === 'yes' || lower === 'true') return true;
    if (lower === 'no' || lower === 'false') return false;
    throw new Error(`${prefix}_${key.toUpperCase()}: invalid value '${value}'`);
  }
  if (typeof current === 'number') {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`${prefix}_${key.toUpperCase()}: invalid number '${value}'`);
    return n;
  }
  return value;
}

function asString(value: ConfigValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`expected a string, got ${JSON.stringify(value)}`);
}

/** Reads mediamtx.yml (default: the repo's) the way MediaMTX would see it with `env`. */
export function loadMediaMtxConfig(file: string = REPO_MEDIAMTX_YML, env: Environment = {}): MediaMtxConfig {
  const parsed: unknown = parse(readFileSync(file, 'utf8'));
  if (!isMap(parsed)) throw new Error(`${file}: not a YAML mapping`);
  const raw = parsed;
  const top = (key: string): ConfigValue | undefined => envOverride(key, raw[key], 'MTX', env);

  const pathDefaults: ConfigMap = {};
  const rawDefaults = raw.pathDefaults;
  if (!isMap(rawDefaults)) throw new Error(`${file}: pathDefaults is missing`);
  for (const [key, value] of Object.entries(rawDefaults)) {
    const withNull = envOverride(key, value, 'MTX_PATHDEFAULTS', env);
    pathDefaults[key] = withNull === null || withNull === undefined ? '' : withNull;
  }

  const paths: Record<string, ConfigMap> = {};
  if (isMap(raw.paths)) {
    for (const [name, value] of Object.entries(raw.paths)) {
      if (value === null) paths[name] = {};
      else if (isMap(value)) paths[name] = value;
      else throw new Error(`${file}: paths.${name} is not a mapping`);
    }
  }

  const exclude = top('authHTTPExclude') ?? [];
  if (!Array.isArray(exclude)) throw new Error(`${file}: authHTTPExclude is not a list`);

  const on = (key: string): boolean => top(key) === true;
  const rtspEncryption = encryption(top('rtspEncryption'), 'rtspEncryption');
  const rtmpEncryption = encryption(top('rtmpEncryption'), 'rtmpEncryption');
  const servers: Record<MediaMtxServer, boolean> = {
    rtsp: on('rtsp') && rtspEncryption !== 'strict',
    rtsps: on('rtsp') && rtspEncryption !== 'no',
    rtmp: on('rtmp') && rtmpEncryption !== 'strict',
    rtmps: on('rtmp') && rtmpEncryption !== 'no',
    hls: on('hls'),
    webrtc: on('webrtc'),
    srt: on('srt'),
    moq: on('moq'),
  };

  return {
    file,
    raw,
    servers,
    authMethod: asString(top('authMethod')) || 'internal',
    authHTTPAddress: asString(top('authHTTPAddress')),
    authHTTPExclude: exclude.map((entry) => {
      if (!isMap(entry) || typeof entry.action !== 'string') throw new Error(`${file}: bad authHTTPExclude entry ${JSON.stringify(entry)}`);
      return { action: entry.action, path: typeof entry.path === 'string' ? entry.path : undefined };
    }),
    api: top('api') === true,
    apiAddress: asString(top('apiAddress')) || ':9997',
    metrics: top('metrics') === true,
    metricsAddress: asString(top('metricsAddress')) || ':9998',
    pathDefaults,
    paths,
  };
}
