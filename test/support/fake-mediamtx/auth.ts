/**
 * MediaMTX's side of `authMethod: http`, ported from v1.20.1 (commit 3e09466):
 * internal/auth/manager.go (body, getToken, matchesPermission, AskCredentials),
 * internal/protocols/httpp/credentials.go and internal/protocols/rtsp/credentials.go.
 */

export type AuthAction = 'publish' | 'read' | 'playback' | 'api' | 'metrics' | 'pprof';
/** `""` for api, metrics, pprof and playback requests (they carry no protocol). */
export type AuthProtocol = 'rtsp' | 'rtmp' | 'hls' | 'webrtc' | 'srt' | 'moq' | '';

export interface Credentials {
  user: string;
  pass: string;
  token: string;
}

/**
 * Exactly what MediaMTX POSTs to authHTTPAddress (Content-Type: application/json), in this key
 * order. `id` is the UUID of the connection/session (null for api, metrics, pprof, playback
 * and the first HLS/WebRTC page request); `query` is the raw query string, not decoded.
 */
export interface AuthRequestBody {
  ip: string;
  user: string;
  password: string;
  token: string;
  action: AuthAction;
  path: string;
  protocol: AuthProtocol;
  id: string | null;
  query: string;
  userAgent: string;
}

/** A client's request as MediaMTX sees it, before it builds the callback body. */
export interface AuthRequest {
  action: AuthAction;
  path?: string;
  query?: string;
  protocol?: AuthProtocol;
  id?: string | null;
  userAgent?: string;
  ip?: string;
  credentials?: Partial<Credentials>;
  /**
   * Whether MediaMTX may answer "send credentials" (RTSP 401 + WWW-Authenticate, HTTP 401 +
   * `WWW-Authenticate: Basic realm="mediamtx"`). Default: true, except RTMP and SRT (false).
   */
  enableAskCredentials?: boolean;
}

/** httpp.Credentials: Bearer "user:pass" → user/pass; any other Bearer → token; else Basic. */
export function credentialsFromHttpAuthorization(authorization: string | string[] | undefined): Credentials {
  const values = authorization === undefined ? [] : Array.isArray(authorization) ? authorization : [authorization];
  for (const value of values) {
    if (value.startsWith('Bearer ')) {
      const rest = value.slice('Bearer '.length);
      const parts = rest.split(':');
      if (parts.length === 2) return { user: parts[0], pass: parts[1], token: '' };
      return { user: '', pass: '', token: rest };
    }
  }
  // Go's Request.BasicAuth: the first Authorization header, scheme compared case-insensitively.
  const first = values[0];
  if (first !== undefined && first.slice(0, 6).toLowerCase() === 'basic ') {
    const decoded = Buffer.from(first.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) return { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1), token: '' };
  }
  return { user: '', pass: '', token: '' };
}

/**
 * rtsp.Credentials: Basic gives user and password; Digest gives only the user (the password
 * never reaches the auth server; MediaMTX refuses rtspAuthMethods digest with authMethod http).
 */
export function credentialsFromRtsp(user: string, pass: string, method: 'basic' | 'digest' = 'basic'): Credentials {
  return { user, pass: method === 'basic' ? pass : '', token: '' };
}

/** Go's url.ParseQuery, only as far as getToken needs it: values of `key`, or null on error. */
function parseQueryValues(query: string, key: string): string[] | null {
  const values: string[] = [];
  let failed = false;
  for (const part of query.split('&')) {
    if (part === '') continue;
    if (part.includes(';')) {
      failed = true; // "invalid semicolon separator in query"
      continue;
    }
    const eq = part.indexOf('=');
    const rawKey = eq >= 0 ? part.slice(0, eq) : part;
    const rawValue = eq >= 0 ? part.slice(eq + 1) : '';
    let k: string;
    let v: string;
    try {
      k = unescapeQueryComponent(rawKey);
      v = unescapeQueryComponent(rawValue);
    } catch {
      failed = true;
      continue;
    }
    if (k === key) values.push(v);
  }
  return failed ? null : values;
}

function unescapeQueryComponent(s: string): string {
  if (/%(?![0-9a-fA-F]{2})/.test(s)) throw new Error('invalid URL escape');
  return Buffer.from(
    s.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
}

/**
 * getToken(tokenInHTTPQuery = false, req) as used with authMethod http: the Bearer token; else
 * THE PASSWORD (so a user/password request carries the password twice, as `password` and as
 * `token`); else, for RTSP and RTMP only, the query's `token` (or legacy `jwt`) parameter when it
 * appears exactly once. For HLS/WebRTC/api a `?token=` stays in `query` only.
 */
export function tokenFor(req: AuthRequest): string {
  const creds = req.credentials ?? {};
  if (creds.token) return creds.token;
  if (creds.pass) return creds.pass;
  if (req.protocol === 'rtsp' || req.protocol === 'rtmp') {
    const tokens = parseQueryValues(req.query ?? '', 'token');
    if (tokens !== null) {
      if (tokens.length === 1) return tokens[0];
      const jwts = parseQueryValues(req.query ?? '', 'jwt');
      if (jwts !== null && jwts.length === 1) return jwts[0];
    }
  }
  return '';
}

/** A callback body with MediaMTX's empty values for whatever is missing, in MediaMTX's key order. */
export function completeAuthBody(body: Partial<AuthRequestBody> & Pick<AuthRequestBody, 'action'>): AuthRequestBody {
  return {
    ip: body.ip ?? '127.0.0.1',
    user: body.user ?? '',
    password: body.password ?? '',
    token: body.token ?? '',
    action: body.action,
    path: body.path ?? '',
    protocol: body.protocol ?? '',
    id: body.id ?? null,
    query: body.query ?? '',
    userAgent: body.userAgent ?? '',
  };
}

/** The JSON body MediaMTX POSTs for this request (authenticateHTTP). */
export function authRequestBody(req: AuthRequest): AuthRequestBody {
  const creds = req.credentials ?? {};
  return completeAuthBody({ ...req, user: creds.user, password: creds.pass, token: tokenFor(req) });
}

/**
 * Whether a refusal makes MediaMTX ask the client for credentials: only when the request had no
 * user, no password and no token at all. This is decided by MediaMTX, whatever non-2xx status
 * the auth server answered (401 or 403 alike); the client then retries with credentials.
 */
export function asksForCredentials(req: AuthRequest): boolean {
  const enabled = req.enableAskCredentials ?? !(req.protocol === 'rtmp' || req.protocol === 'srt');
  const creds = req.credentials ?? {};
  return enabled && !creds.user && !creds.pass && tokenFor(req) === '';
}

export interface AuthPermission {
  action: string;
  path?: string;
}

/** matchesPermission: used for authHTTPExclude (an excluded request is never sent). */
export function matchesPermission(permissions: AuthPermission[], body: Pick<AuthRequestBody, 'action' | 'path'>): boolean {
  for (const permission of permissions) {
    if (permission.action !== body.action) continue;
    if (permission.action === 'publish' || permission.action === 'read' || permission.action === 'playback') {
      const path = permission.path ?? '';
      if (path === '') return true;
      if (path.startsWith('~')) {
        try {
          if (new RegExp(path.slice(1)).test(body.path)) return true;
        } catch {
          // Go ignores a path regexp that does not compile.
        }
      } else if (path === body.path) {
        return true;
      }
    } else {
      return true;
    }
  }
  return false;
}
