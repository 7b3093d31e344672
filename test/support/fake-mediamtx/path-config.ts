import { ApiError } from './api-error.js';
import type { ConfigMap, ConfigValue } from './config.js';
import { formatByteSize, formatMtxDuration, parseByteSize, parseMtxDuration } from './units.js';

/** Path configurations (`conf/path.go`): their names, sources, decoding, validation and the shape the API shows. */

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
export const HOT_RELOADABLE = /^(forward|record.*|rpiCamera(Brightness|Contrast|Saturation|Sharpness|Exposure|FlickerPeriod|AWB|AWBGains|Denoise|Shutter|Metering|Gain|EV|FPS|TextOverlayEnable|TextOverlay|IDRPeriod|Bitrate))$/;

/** conf.IsValidPathName. */
function pathNameError(name: string): string | undefined {
  if (name === '') return 'cannot be empty';
  if (name.startsWith('/')) return "can't begin with a slash";
  if (name.endsWith('/')) return "can't end with a slash";
  if (!/^[0-9a-zA-Z_\-/.]+$/.test(name)) return 'can contain only alphanumeric characters, underscore, dot, minus, slash';
  if (name.split('/').some((segment) => segment === '.' || segment === '..')) return "can't contain dot path segments";
  return undefined;
}

export function isRegexpConf(name: string): boolean {
  return name === 'all_others' || name === 'all' || name.startsWith('~');
}

export function staticSourceType(source: string): string | undefined {
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

/** conf.FindPathConf: exact name, else the first matching ~regexp (sorted), else all_others/all. */
export function findPathConf(confs: ReadonlyMap<string, ConfigMap>, name: string): string | undefined {
  if (confs.has(name)) return name;
  for (const confName of [...confs.keys()].sort()) {
    if (confName.startsWith('~')) {
      try {
        if (new RegExp(confName.slice(1)).test(name)) return confName;
      } catch {
        // invalid regexps are refused at validation
      }
    }
  }
  if (confs.has('all_others')) return 'all_others';
  if (confs.has('all')) return 'all';
  return undefined;
}

/** What a path configuration may hold, given MediaMTX's pathDefaults, and how the API shows it. */
export class PathConfSchema {
  constructor(private readonly pathDefaults: ConfigMap) {}

  /** jsonwrapper decoding of an OptionalPath: unknown fields and wrong types are refused. */
  decode(input: unknown): ConfigMap {
    if (!isPlainObject(input)) throw new ApiError(400, `json: cannot unmarshal ${jsonKind(input)} into Go value of type map[string]json.RawMessage`);
    const out: ConfigMap = {};
    for (const [key, value] of Object.entries(input)) {
      const defaultValue = key === 'name' ? '' : this.pathDefaults[key];
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
  validate(name: string, optional: ConfigMap): void {
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
  resolve(name: string, optional: ConfigMap, withName = true): Record<string, ConfigValue> {
    const out: Record<string, ConfigValue> = withName ? { name } : {};
    for (const [key, value] of Object.entries(this.pathDefaults)) out[key] = clone(key in optional ? optional[key] : value);
    for (const key of Object.keys(DEPRECATED_PATH_KEYS)) if (key in optional) out[key] = clone(optional[key]);
    for (const key of DURATION_KEYS) if (typeof out[key] === 'string') out[key] = formatMtxDuration(parseMtxDuration(out[key]));
    for (const key of SIZE_KEYS) if (typeof out[key] === 'string') out[key] = formatByteSize(parseByteSize(out[key]));
    return out;
  }

  /** redactCredentials: publishPass/readPass only; a password inside `source` is NOT redacted. */
  redact(conf: Record<string, ConfigValue>): Record<string, ConfigValue> {
    for (const key of ['publishPass', 'readPass']) if (typeof conf[key] === 'string' && conf[key] !== '') conf[key] = REDACTED;
    return conf;
  }
}
